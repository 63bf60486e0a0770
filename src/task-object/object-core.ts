// The task object's machinery: its storage parts, the one-transaction write path, the alarm and the after-commit I/O.
import { DurableObject } from "cloudflare:workers";
import type { HandedStep, StepMessage } from "../engine/protocol";
import { isTerminalTaskState } from "../engine/states";
import { type Changes, TaskRun, type TimerKind } from "../engine/task-run";
import { maxTaskSteps } from "../limits-config";
import { log } from "../log";
import type { TaskTemplate } from "../templates/types";
import { TRACE_RPC_EVT, Trace, tracingOn } from "../trace";
import { alarmMustMove } from "./alarm-policy";
import { claimMemoryOf } from "./claim-memory";
import { assembleClaims } from "./claims";
import { taskViewOf } from "./lookups";
import { isInitialised, migrate } from "./migrations";
import { type AwaitPoint, effectsOf, OUTBOX_FLUSH_DELAY_MS, Outbox } from "./outbox";
import { OUTBOX_FLUSH_TIMER, OutboxStore } from "./outbox-store";
import { ReadQueries } from "./read-queries";
import { PURGE_RETRY_MS, PURGE_TIMER, PurgeTimer, purgeVerdict } from "./retention";
import type { TaskRow } from "./rows";
import { refused } from "./rpc-result";
import { SqlMeter } from "./sql-meter";
import { TaskStore } from "./store";
import { changesIndexedStatus, TaskIndexWriter } from "./task-index-effect";
import { logTransitions } from "./transition-log";
import type { TaskView } from "./views";
import { recordWaits } from "./wait-effects";
import { waitStartOf } from "./wait-start";
import { WaitStore } from "./wait-store";
import { WebhookSender } from "./webhook-sender";
import { WEBHOOK_TIMER, WebhookStore } from "./webhook-store";

/** Timers handled per alarm run; the rest re-arm the alarm immediately. */
const TIMERS_PER_ALARM = 500;

/** The object without its RPC methods (task-object.ts): everything those methods write and read through. */
export abstract class TaskObjectCore extends DurableObject<Env> {
  protected readonly store: TaskStore;
  protected readonly reads: ReadQueries;
  protected readonly waits: WaitStore;
  private readonly outboxStore: OutboxStore;
  private readonly outbox: Outbox;
  protected run: TaskRun | undefined;
  /** The run loaded when `liveTask` last found the task live. */
  private liveRun: TaskRun | undefined;
  private alarmAt: number | null = null;
  /** Set while `alarm()` fires its due timers: they arm the alarm together, once, when it is done. */
  private armingDeferred = false;
  private hasSchema = false;
  private readonly indexWriter: TaskIndexWriter;
  protected readonly webhookStore: WebhookStore;
  /**
   * Sends the task's webhook deliveries after commits, in the background. A property, not an RPC
   * method: tests await `webhookSender.settled()` inside the object (runInDurableObject).
   */
  readonly webhookSender: WebhookSender;
  private readonly purgeTimer: PurgeTimer;
  /**
   * Fault-injection seam, null outside tests: the fault lab sets it to make the object die (throw,
   * then be evicted) at a point between a commit and the I/O that follows. Not an RPC method.
   */
  faultHook: ((point: AwaitPoint) => void) | null = null;
  /** Counts SQL work for traces; null (and the object's SQL unwrapped) unless `TASKER_TRACE=1`. */
  private readonly meter: SqlMeter | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.meter = tracingOn(env) ? new SqlMeter() : null;
    const sql = this.meter ? this.meter.wrap(ctx.storage.sql) : ctx.storage.sql;
    this.store = new TaskStore(sql);
    this.reads = new ReadQueries(sql);
    this.waits = new WaitStore(sql);
    this.outboxStore = new OutboxStore(sql);
    this.outbox = new Outbox({
      env: () => this.env,
      outboxStore: this.outboxStore,
      reads: this.reads,
      armAlarm: () => this.armAlarm(),
      reachedAwaitPoint: (point) => this.faultHook?.(point),
      failStep: (stepUuid, dispatchId, outcome, alsoInTransaction) => {
        this.mutate((run) => run.report(stepUuid, dispatchId, outcome), alsoInTransaction);
      },
      taskUuid: () => this.run?.taskUuid,
    });
    this.webhookStore = new WebhookStore(sql);
    this.webhookSender = new WebhookSender({
      env: () => this.env,
      store: this.webhookStore,
      commit: (write) => {
        this.ctx.storage.transactionSync(write);
        this.armAlarm();
      },
      reachedAwaitPoint: (point) => this.faultHook?.(point),
      taskUuid: () => this.run?.taskUuid,
    });
    this.indexWriter = new TaskIndexWriter(
      sql,
      () => (this.initialised() ? this.reads.task() : null),
      () => env.TASKER_DB,
      () => this.armAlarm(),
      () => this.faultHook?.("before_index_write"),
    );
    this.purgeTimer = new PurgeTimer(sql, () => this.env);
    const fresh = !isInitialised(ctx.storage.sql);
    if (fresh) {
      // Nothing can be left over in a database made just now: a new task's create sends only what it wrote.
      this.outbox.nothingLeftOver();
      this.indexWriter.nothingLeftOver();
      this.webhookSender.nothingLeftOver();
    }
    ctx.blockConcurrencyWhile(async () => {
      // An object that never received a task stays empty: looking up an unknown uuid writes nothing.
      if (fresh) return;
      ctx.storage.transactionSync(() => migrate(ctx.storage.sql, Date.now()));
      this.alarmAt = await ctx.storage.getAlarm();
      this.reconcile();
    });
  }

  /**
   * The second line of defence, run when the object wakes: pending outbox work and index writes get
   * their safety-net timers, and the alarm points at the earliest timer (overdue ones fire at once).
   * Repairs objects that an older release, or a death the first line did not foresee, left without
   * an alarm. Costs a few indexed reads.
   */
  protected reconcile(): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      if (this.outboxStore.hasPendingOutboxWork()) this.outboxStore.ensureOutboxFlushTimer(now);
      this.indexWriter.reconcile(now);
      this.webhookStore.reconcile();
      const task = this.reads.task();
      if (task) this.purgeTimer.reconcile(task);
    });
    this.armAlarm();
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.initialised()) return;
    const trace = this.traceRpc("alarm");
    const now = Date.now();
    const timers = this.store.dueTimers(now, TIMERS_PER_ALARM);
    trace?.lap("timers");
    let fired = 0;
    let purgeDue: number | null = null;
    // The timers fired here arm the alarm once, after the loop and in the same synchronous block:
    // arming after each would point it at the next overdue timer this loop is about to fire, and
    // wake the object again for nothing.
    this.armingDeferred = true;
    try {
      for (const timer of timers) {
        if (timer.kind === PURGE_TIMER) {
          purgeDue = timer.due_at;
          continue;
        }
        if (timer.kind === OUTBOX_FLUSH_TIMER || timer.step_uuid === null) {
          // The object's own safety nets (outbox, index) stay armed until their work succeeds and
          // clears them: a death during this flush must still find them.
          this.store.postponeTimer(timer.id, now + OUTBOX_FLUSH_DELAY_MS);
          if (timer.kind === OUTBOX_FLUSH_TIMER) this.outbox.markDirty();
          if (timer.kind === WEBHOOK_TIMER) this.webhookSender.wake();
          continue;
        }
        // A paused task's held timers stay in the table (dueTimers already leaves them out).
        if (this.loadRun().holdsTimer(timer.kind)) continue;
        const spec = {
          kind: timer.kind as TimerKind,
          stepUuid: timer.step_uuid,
          dispatchId: timer.dispatch_id,
          dueAt: timer.due_at,
        };
        const changes = this.mutate(
          (run) => run.fireTimer(spec),
          () => this.store.deleteTimer(timer.id),
        );
        if (!("refused" in changes)) fired += 1;
      }
    } finally {
      this.armingDeferred = false;
      this.armAlarm();
    }
    trace?.lap("fire");
    log("info", "alarm.fired", { task_uuid: this.reads.task()?.task_uuid, due_timers: timers.length, fired });
    trace?.lap("logging");
    this.indexWriter.wake();
    await this.afterWrite(trace);
    trace?.count("timers_fired", fired);
    this.endTrace(trace);
    if (purgeDue !== null) await this.purgeWhenDue(purgeDue);
  }

  /**
   * The purge timer fired. It checks again (the task may have been reopened, or its retention grown,
   * or its last effects may still be pending), then purges in an order a death at any await survives:
   * (1) one transaction marks the task purged (it answers `task_purged` from then on) and queues the
   * index removal as the task's pending index write, with its retry timer, and keeps the purge timer
   * as the safety net; (2) the index row is removed and the tombstone written in D1; (3) only then is
   * the object's storage deleted. A death before (3) leaves the mark and the timer, which finish it.
   */
  private async purgeWhenDue(dueAt: number): Promise<void> {
    const now = Date.now();
    const task = this.reads.task();
    if (!task) return;
    if (task.purged_at === null) {
      const retention = { armed: this.purgeTimer.armedRetention(), now: this.purgeTimer.retention(task) };
      const verdict = purgeVerdict(
        task,
        retention,
        dueAt,
        this.outboxStore.hasPendingOutboxWork() || this.webhookStore.hasPending(),
        now,
      );
      this.ctx.storage.transactionSync(() => {
        if (verdict.kind === "keep") this.purgeTimer.clear();
        else if (verdict.kind === "later") this.purgeTimer.postpone(verdict.at, retention.now);
        else {
          this.store.markPurged(now);
          this.liveRun = undefined;
          this.indexWriter.enqueue(now);
          this.purgeTimer.postpone(now + PURGE_RETRY_MS);
        }
      });
      this.armAlarm();
      if (verdict.kind !== "purge") return;
      log("info", "task.purging", { task_uuid: task.task_uuid, namespace: task.namespace, completed_at: task.completed_at });
    }
    await this.indexWriter.flush();
    // The removal failed: its retry timer tries again, and the purge timer comes back after it.
    if (this.indexWriter.hasPending()) return;
    this.faultHook?.("before_purge");
    await this.ctx.storage.deleteAll();
    // deleteAll takes the alarm with it from compatibility date 2026-02-24; before that date it does not.
    await this.ctx.storage.deleteAlarm();
    this.forgetTask();
    this.alarmAt = null;
    log("info", "task.purged", { task_uuid: task.task_uuid, namespace: task.namespace });
  }

  /**
   * A trace of one RPC when tracing is on (`TASKER_TRACE=1`), else null: every `trace?.lap(…)` on
   * the way is then skipped whole. Its line counts the SQL run between laps; statements another
   * request runs while this one awaits I/O (an outbox send) land in the awaiting phase.
   */
  protected traceRpc(rpc: string, stepUuid?: string): Trace | null {
    if (!this.meter) return null;
    const fields: Record<string, unknown> = { rpc, task_uuid: this.ctx.id.name ?? this.ctx.id.toString() };
    if (stepUuid !== undefined) fields.step_uuid = stepUuid;
    return new Trace(TRACE_RPC_EVT, fields, this.meter);
  }

  /** Writes an RPC's trace line with the object's database size at its end. */
  protected endTrace(trace: Trace | null): void {
    if (!trace) return;
    trace.note("db_bytes", this.ctx.storage.sql.databaseSize);
    trace.end();
  }

  /** The eager dispatches an operation handed to its caller unclaimed, as messages to claim. */
  protected eagerMessages(taskUuid: string, changes: Changes | undefined): StepMessage[] {
    return (changes?.dispatches ?? [])
      .filter((d) => d.eager && !d.claimed)
      .map((d) => ({ task_uuid: taskUuid, step_uuid: d.stepUuid, attempt: d.attempt, dispatch_id: d.dispatchId }));
  }

  /**
   * The eager dispatches an operation claimed for its caller, each with its claim, ready to run.
   * Read right after the commit, before any await, so they are as that transaction left them.
   */
  protected handedSteps(taskUuid: string, changes: Changes | undefined): HandedStep[] {
    const claimed = (changes?.dispatches ?? []).filter((d) => d.claimed);
    if (claimed.length === 0) return [];
    const claims = assembleClaims(
      this.reads,
      this.loadRun(),
      claimed.map((d) => ({ stepUuid: d.stepUuid, dispatchId: d.dispatchId })),
    );
    return claimed.flatMap((d, i) => {
      const claim = claims[i];
      return claim
        ? [{ task_uuid: taskUuid, step_uuid: d.stepUuid, attempt: d.attempt, dispatch_id: d.dispatchId, claimed: claim }]
        : [];
    });
  }

  /** The task, unless there is none or it is being purged. */
  protected taskRow(): TaskRow | null {
    const task = this.initialised() ? this.reads.task() : null;
    return task && task.purged_at === null ? task : null;
  }

  /**
   * The object's name is its task's uuid, whether or not a task was ever created in it. A task being
   * purged answers `task_purged`, with its namespace so the API can keep it from callers outside it.
   */
  protected taskNotFound() {
    const uuid = this.ctx.id.name ?? this.ctx.id.toString();
    const task = this.initialised() ? this.reads.task() : null;
    if (task?.purged_at != null) {
      return refused("task_purged", `task ${uuid} was purged after its retention period`, {
        namespace: task.namespace,
        purged_at: new Date(task.purged_at).toISOString(),
      });
    }
    return refused("task_not_found", `task ${uuid} not found`);
  }

  /**
   * Whether the object holds a task that is not being purged: the one every RPC but `inspect` works on.
   * Read from storage once per loaded run: while the run `liveRun` found live is still loaded, the
   * task is (only a purge ends that, and it forgets `liveRun` as it marks the task).
   */
  protected liveTask(): boolean {
    if (this.run !== undefined && this.run === this.liveRun) return true;
    const live = this.taskRow() !== null;
    this.liveRun = live ? this.run : undefined;
    return live;
  }

  /**
   * Forgets what memory holds of the task (its run, and that a schema exists), for when storage no
   * longer has it: after a purge, or a `create` whose transaction rolled back.
   */
  protected forgetTask(): void {
    this.run = undefined;
    this.liveRun = undefined;
    this.hasSchema = false;
  }

  protected initialised(): boolean {
    this.hasSchema ||= isInitialised(this.ctx.storage.sql);
    return this.hasSchema;
  }

  protected loadRun(trace: Trace | null = null): TaskRun {
    if (this.run) return this.run;
    trace?.count("run_loads");
    const task = this.reads.task();
    if (!task) throw new Error("task object has no task");
    let template: TaskTemplate | undefined;
    const run = new TaskRun(task.task_uuid, task.state, this.store.loadRuntime(), {
      now: () => Date.now(),
      newId: () => crypto.randomUUID(),
      random: Math.random,
      maxSteps: maxTaskSteps(this.env),
      template: () => {
        template ??= this.reads.template();
        return template;
      },
      waitStart: (step) => waitStartOf(step, this.reads, this.waits, Date.now()),
    });
    run.paused = task.paused_at !== null;
    this.run = run;
    trace?.lap("load_run");
    return run;
  }

  /**
   * Runs one engine operation and writes its changes in one transaction. A refusal (stale or
   * duplicate input, an action not allowed) is returned as is and writes nothing but what
   * `alsoInTransaction` does. Any throw discards the in-memory run, so the next operation reloads
   * it from storage, which the failed transaction left untouched.
   */
  protected mutate<R extends { refused: string }>(
    operation: (run: TaskRun) => Changes | R,
    alsoInTransaction?: () => void,
    trace: Trace | null = null,
  ): Changes | R {
    const [result] = this.mutateAll([operation], trace, alsoInTransaction);
    if (result === undefined) throw new Error("mutateAll answered nothing for one operation");
    return result;
  }

  /**
   * Runs several engine operations in one transaction, each applied (and logged) before the next
   * runs, and arms the alarm once after them all; `mutate` is its one-operation case. Refusals and
   * a throw behave as `mutate` describes.
   */
  protected mutateAll<R extends { refused: string }>(
    operations: readonly ((run: TaskRun) => Changes | R)[],
    trace: Trace | null = null,
    alsoInTransaction?: () => void,
  ): (Changes | R)[] {
    let results: (Changes | R)[];
    try {
      results = this.ctx.storage.transactionSync(() => {
        alsoInTransaction?.();
        trace?.lap("tx_begin");
        const run = this.loadRun(trace);
        return operations.map((operation) => {
          const outcome = operation(run);
          trace?.lap("engine");
          if (!("refused" in outcome)) this.applyAndLog(run, outcome, outcome.at, trace);
          return outcome;
        });
      });
      trace?.lap("commit");
    } catch (error) {
      this.run = undefined;
      throw error;
    }
    this.armAlarm();
    trace?.lap("alarm");
    return results;
  }

  /**
   * Writes an operation's changes and their effects, in the caller's transaction. `indexAt` holds the
   * task's index write until then (a new task's settle time, see `firstIndexWriteAt`).
   */
  protected applyAndLog(run: TaskRun, changes: Changes, now: number, trace: Trace | null = null, indexAt = now): void {
    const memory = claimMemoryOf(run);
    this.store.applyChanges(changes, run.steps, run.state, now, (uuid, json) => memory.resultWritten(uuid, json));
    trace?.lap("store");
    trace?.count("transition_rows", changes.stepTransitions.length + changes.taskTransitions.length);
    if (changesIndexedStatus(changes.taskTransitions)) this.indexWriter.enqueue(now, indexAt);
    if (changes.taskTransitions.length > 0 && isTerminalTaskState(run.state)) {
      const task = this.reads.task();
      if (task) this.purgeTimer.arm(task, now);
    }
    trace?.lap("index_effect");
    if (
      changes.taskTransitions.length > 0 &&
      this.webhookStore.enqueueFor(changes.taskTransitions, () => crypto.randomUUID()) > 0
    ) {
      this.webhookSender.wake();
    }
    const effects = [
      ...recordWaits(run, changes, this.waits, () => this.reads.task(), now),
      ...effectsOf(run, changes, this.store, this.reads),
    ];
    if (effects.length > 0) this.outboxStore.insertEffects(effects, now);
    if (effects.length > 0 || changes.dispatches.some((d) => !d.eager)) {
      this.outboxStore.ensureOutboxFlushTimer(now + OUTBOX_FLUSH_DELAY_MS);
      this.outbox.wrote();
    }
    trace?.lap("outbox_write");
    for (const created of changes.createdSteps.length > 0 ? [changes.createdSteps] : []) {
      log("info", "steps.created", { task_uuid: run.taskUuid, by: created[0]?.createdBy, steps: created.length });
    }
    logTransitions(run, changes);
    trace?.lap("logging");
  }

  /**
   * Performs the effects of committed writes: sends the outbox and performs pending effects. The
   * alarm needs nothing here: every write already armed it (see `armAlarm`). The task index is
   * written in the background: the caller never waits on D1.
   */
  protected async afterWrite(trace: Trace | null = null): Promise<void> {
    this.faultHook?.("after_commit");
    await this.outbox.flush();
    trace?.lap("outbox_send");
    this.ctx.waitUntil(
      this.indexWriter
        .flush()
        .catch((error: unknown) =>
          log("error", "task_index.flush_failed", { task_uuid: this.run?.taskUuid, error: String(error) }),
        ),
    );
    trace?.lap("index_flush_start");
    // Webhooks go in the background too: the task never waits on an endpoint (the sender never rejects).
    this.ctx.waitUntil(this.webhookSender.flush());
  }

  /**
   * Makes sure an alarm fires by the earliest timer. Called after every write to the timers table, in
   * the same synchronous block: with no `await` between the SQL write and `setAlarm`, the platform's
   * write coalescing makes both durable together, so no death can leave a timer without an alarm at
   * or before its due time. The alarm only ever moves EARLIER: a timer due after the alarm already
   * set (a claim's deadline replacing an earlier timer), or a timer deleted, writes nothing, and an
   * alarm that wakes with nothing due re-arms at the next timer (`alarm()` starts with no alarm set).
   * Each alarm write is one more storage write the output gate holds the answer for; an early wake
   * is off every caller's path. The promise is deliberately not awaited: the output gate holds every
   * reply until it lands.
   */
  protected armAlarm(): void {
    if (this.armingDeferred) return;
    const due = this.store.nextTimerDue();
    if (!alarmMustMove(this.alarmAt, due)) return;
    this.alarmAt = due;
    this.meter?.add("alarm_writes");
    this.ctx.storage
      .setAlarm(due)
      .catch((error: unknown) => log("error", "alarm.arm_failed", { task_uuid: this.run?.taskUuid, error: String(error) }));
  }

  /** The task's view; null when there is no task or it is being purged. */
  protected taskViewOrNull(): TaskView | null {
    return this.taskRow() ? taskViewOf(this.reads, this.run) : null;
  }

  /** The view of whatever task the object holds, even one being purged: what a repeated create answers. */
  protected heldTaskView(): TaskView | null {
    return this.initialised() && this.reads.task() ? taskViewOf(this.reads, this.run) : null;
  }

  protected taskViewOrThrow(): TaskView {
    const view = this.heldTaskView();
    if (!view) throw new Error("task object has no task");
    return view;
  }
}
