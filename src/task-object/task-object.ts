// The Durable Object that owns one task: the single writer of its state, timers and outbox.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import {
  type ClaimedStep,
  MAX_EAGER_LIMIT,
  type ReportOptions,
  type ReportReceipt,
  type StepMessage,
  type StepOutcome,
  StepOutcomeSchema,
} from "../engine/protocol";
import { isTerminalTaskState } from "../engine/states";
import { type Actor, type Changes, type StepAction, type TaskAction, TaskRun, type TimerKind } from "../engine/task-run";
import { maxTaskSteps } from "../limits-config";
import { log } from "../log";
import { MAX_RESULT_BYTES } from "../shared/limits";
import type { TaskTemplate } from "../templates/types";
import { type ChildTaskInput, childOutcome } from "./child-tasks";
import { assembleClaim } from "./claims";
import { inspect, type TaskInspection } from "./inspection";
import { type StepPage, stepAudit, stepLookup, stepPage, taskTransitionsOf, taskViewOf } from "./lookups";
import { isInitialised, migrate } from "./migrations";
import { type AwaitPoint, effectsOf, OUTBOX_FLUSH_DELAY_MS, Outbox } from "./outbox";
import { OUTBOX_FLUSH_TIMER, OutboxStore } from "./outbox-store";
import { ReadQueries } from "./read-queries";
import { resolveQueueBinding } from "./routing";
import type { NewTask, TaskRow } from "./rows";
import { ok, type RpcResult, refused } from "./rpc-result";
import { TaskStore } from "./store";
import { changesIndexedStatus, TaskIndexWriter } from "./task-index-effect";
import { logTransitions } from "./transition-log";
import type { StepView, TaskView, TransitionView } from "./views";

export type { StepPage } from "./lookups";
export type { AwaitPoint } from "./outbox";

/** Timers handled per alarm run; the rest re-arm the alarm immediately. */
const TIMERS_PER_ALARM = 500;

export type NewTaskInput = ChildTaskInput;

const IdSchema = z.string().min(1).max(100);

function byteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value ?? null)).byteLength;
}

export class TaskObject extends DurableObject<Env> {
  private readonly store: TaskStore;
  private readonly reads: ReadQueries;
  private readonly outboxStore: OutboxStore;
  private readonly outbox: Outbox;
  private run: TaskRun | undefined;
  private alarmAt: number | null = null;
  private hasSchema = false;
  private readonly indexWriter: TaskIndexWriter;
  /**
   * Fault-injection seam, null outside tests: the fault lab sets it to make the object die (throw,
   * then be evicted) at a point between a commit and the I/O that follows. Not an RPC method.
   */
  faultHook: ((point: AwaitPoint) => void) | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new TaskStore(ctx.storage.sql);
    this.reads = new ReadQueries(ctx.storage.sql);
    this.outboxStore = new OutboxStore(ctx.storage.sql);
    this.outbox = new Outbox({
      env,
      outboxStore: this.outboxStore,
      reads: this.reads,
      armAlarm: () => this.armAlarm(),
      reachedAwaitPoint: (point) => this.faultHook?.(point),
      failStep: (stepUuid, dispatchId, outcome, alsoInTransaction) => {
        this.mutate((run) => run.report(stepUuid, dispatchId, outcome), alsoInTransaction);
      },
      taskUuid: () => this.run?.taskUuid,
    });
    this.indexWriter = new TaskIndexWriter(
      ctx.storage.sql,
      () => (this.initialised() ? this.reads.task() : null),
      () => env.TASKER_DB,
      () => this.armAlarm(),
      () => this.faultHook?.("before_index_write"),
    );
    ctx.blockConcurrencyWhile(async () => {
      // An object that never received a task stays empty: looking up an unknown uuid writes nothing.
      if (!isInitialised(ctx.storage.sql)) return;
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
  private reconcile(): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      if (this.outboxStore.hasPendingOutboxWork()) this.outboxStore.ensureOutboxFlushTimer(now);
      this.indexWriter.reconcile(now);
    });
    this.armAlarm();
  }

  /**
   * Creates the task and dispatches its first steps; with `eager_limit`, that many of them are handed
   * back to the caller to run at once (queued after a short claim timeout if it never claims them).
   * Creating an existing task returns it unchanged.
   */
  async create(
    input: NewTaskInput,
    options: ReportOptions = {},
  ): Promise<{ created: boolean; task: TaskView; eager?: StepMessage[] }> {
    const existing = this.taskViewOrNull();
    if (existing) {
      // A repeated create (a client's retry, a parent starting its child again) may follow a crash:
      // it re-arms and re-sends whatever the first one left behind.
      this.reconcile();
      await this.afterWrite();
      return { created: false, task: this.taskViewOrThrow() };
    }
    const eagerLimit = Math.max(0, Math.min(MAX_EAGER_LIMIT, Math.floor(Number(options.eager_limit) || 0)));
    let started: Changes | undefined;
    const now = Date.now();
    const task: NewTask = { ...input, queue_binding: resolveQueueBinding(input.template.namespace_name, this.env) };
    let stepUuids = new Map<string, string>();
    this.ctx.storage.transactionSync(() => {
      migrate(this.ctx.storage.sql, now);
      stepUuids = this.store.insertTask(task, () => crypto.randomUUID(), now);
      // Inserting and starting share one transaction: a crash can never leave a task that never starts.
      const run = this.loadRun();
      started = run.start(eagerLimit, now);
      this.applyAndLog(run, started, now);
    });
    this.armAlarm();
    log("info", "task.created", {
      task_uuid: task.task_uuid,
      namespace: task.template.namespace_name,
      name: task.template.name,
      steps: stepUuids.size,
      ...(task.parent ? { parent_task_uuid: task.parent.task_uuid, parent_step: task.parent.step_name } : {}),
    });
    await this.afterWrite();
    const eager = this.eagerMessages(task.task_uuid, started);
    return eager.length > 0
      ? { created: true, task: this.taskViewOrThrow(), eager }
      : { created: true, task: this.taskViewOrThrow() };
  }

  private eagerMessages(taskUuid: string, changes: Changes | undefined): StepMessage[] {
    return (changes?.dispatches ?? [])
      .filter((d) => d.eager)
      .map((d) => ({ task_uuid: taskUuid, step_uuid: d.stepUuid, attempt: d.attempt, dispatch_id: d.dispatchId }));
  }

  /** Claims a dispatched step for one attempt; `null` for a stale or duplicate dispatch. */
  async claim(stepUuid: string, dispatchId: string): Promise<ClaimedStep | null> {
    IdSchema.parse(stepUuid);
    IdSchema.parse(dispatchId);
    if (!this.initialised()) return null;
    const outcome = this.mutate((run) => {
      const result = run.claim(stepUuid, dispatchId);
      return "refused" in result ? result : result.changes;
    });
    if ("refused" in outcome) return null;
    this.faultHook?.("after_commit");
    return assembleClaim(this.reads, this.loadRun(), stepUuid, dispatchId);
  }

  /** Records the outcome of a claimed attempt. A report for a dispatch that is no longer current changes nothing. */
  async report(
    stepUuid: string,
    dispatchId: string,
    rawOutcome: StepOutcome,
    options: ReportOptions = {},
  ): Promise<ReportReceipt> {
    IdSchema.parse(stepUuid);
    IdSchema.parse(dispatchId);
    // Clamped, not refused: asking for more eager steps than allowed just queues the rest.
    const eagerLimit = Math.max(0, Math.min(MAX_EAGER_LIMIT, Math.floor(Number(options.eager_limit) || 0)));
    let outcome = StepOutcomeSchema.parse(rawOutcome);
    if (outcome.success && byteLength(outcome.result) > MAX_RESULT_BYTES) {
      outcome = {
        success: false,
        error: { message: `result exceeds ${MAX_RESULT_BYTES} bytes`, error_code: "result_too_large", retryable: false },
      };
    }
    if (!this.initialised()) return { accepted: false, step_state: "unknown" };
    const applied = this.mutate((run) => run.report(stepUuid, dispatchId, outcome, eagerLimit));
    await this.afterWrite();
    const receipt: ReportReceipt = {
      accepted: !("refused" in applied),
      step_state: this.run?.steps.get(stepUuid)?.state ?? "unknown",
    };
    if ("refused" in applied) return receipt;
    const eager = this.eagerMessages(this.run?.taskUuid ?? "", applied);
    return eager.length > 0 ? { ...receipt, eager } : receipt;
  }

  /** Records that a step's message reached the dead-letter queue, so the step does not wait forever. */
  async deadLetter(stepUuid: string, dispatchId: string): Promise<{ accepted: boolean }> {
    IdSchema.parse(stepUuid);
    IdSchema.parse(dispatchId);
    if (!this.initialised()) return { accepted: false };
    const result = this.mutate((run) => run.deadLetter(stepUuid, dispatchId));
    await this.afterWrite();
    return { accepted: !("refused" in result) };
  }

  /**
   * Cancels the task and its unfinished steps together; a running handler's late report is ignored.
   * `actor` is the API's caller (none when a parent task's end cancels its child).
   */
  async cancel(reason: string, actor?: Actor): Promise<RpcResult<TaskView, "task_not_found" | "task_already_terminal">> {
    if (!this.initialised()) return this.taskNotFound();
    const run = this.loadRun();
    if (isTerminalTaskState(run.state)) {
      return refused("task_already_terminal", `task ${run.taskUuid} is already ${run.state}`, { status: run.state });
    }
    this.mutate((r) => r.cancel(actor ? { reason, actor: { name: actor.name, via: actor.via } } : { reason }));
    await this.afterWrite();
    return ok(this.taskViewOrThrow());
  }

  /** An operator's repair of one step; a blocked task resumes once no failed step is left. */
  async applyStepAction(
    stepUuid: string,
    action: StepAction,
  ): Promise<
    RpcResult<StepView, "task_not_found" | "step_not_found" | "task_already_terminal" | "result_too_large" | "action_not_allowed">
  > {
    if (!this.initialised()) return this.taskNotFound();
    if (action.action_type === "complete_manually" && byteLength(action.result) > MAX_RESULT_BYTES) {
      return refused("result_too_large", `completion_data.result exceeds ${MAX_RESULT_BYTES} bytes, the result size limit`);
    }
    const result = this.mutate((run) => run.applyStepAction(stepUuid, action));
    if ("refused" in result) {
      if (result.refused === "unknown_step") return refused("step_not_found", `step ${stepUuid} not found`);
      if (result.refused === "task_finished") {
        return refused("task_already_terminal", `task ${this.loadRun().taskUuid} has finished; its steps can no longer change`);
      }
      const state = result.state ?? "unknown";
      return refused("action_not_allowed", `${action.action_type} is not allowed on a step in state ${state}`, {
        current_state: state,
      });
    }
    await this.afterWrite();
    return this.getStep(stepUuid);
  }

  /** Ends a blocked task as `error` (give up) or `resolved_manually`. */
  async applyTaskAction(action: TaskAction): Promise<RpcResult<TaskView, "task_not_found" | "action_not_allowed">> {
    if (!this.initialised()) return this.taskNotFound();
    const applied = this.mutate((run) => run.applyTaskAction(action));
    if ("refused" in applied) {
      const status = this.loadRun().state;
      return refused("action_not_allowed", `${action.action_type} needs a task in blocked_by_failures; this one is ${status}`, {
        current_state: status,
      });
    }
    await this.afterWrite();
    return ok(this.taskViewOrThrow());
  }

  /**
   * A child task this task's workflow step started has finished: its outcome becomes the step's.
   * A notice for a dispatch the step no longer waits on (cancelled, reset, retried) changes nothing.
   */
  async childFinished(
    stepUuid: string,
    dispatchId: string,
    childTaskUuid: string,
    status: string,
    results: Record<string, unknown>,
  ): Promise<{ accepted: boolean }> {
    IdSchema.parse(stepUuid);
    IdSchema.parse(dispatchId);
    if (!this.initialised()) return { accepted: false };
    let outcome: StepOutcome = childOutcome(status, results, childTaskUuid);
    if (outcome.success && byteLength(outcome.result) > MAX_RESULT_BYTES) {
      outcome = {
        success: false,
        error: {
          message: `child task ${childTaskUuid}'s results exceed ${MAX_RESULT_BYTES} bytes`,
          error_code: "result_too_large",
          retryable: false,
        },
      };
    }
    const applied = this.mutate((run) => run.report(stepUuid, dispatchId, outcome));
    await this.afterWrite();
    return { accepted: !("refused" in applied) };
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.initialised()) return;
    const now = Date.now();
    const timers = this.store.dueTimers(now, TIMERS_PER_ALARM);
    let fired = 0;
    for (const timer of timers) {
      if (timer.kind === OUTBOX_FLUSH_TIMER || timer.step_uuid === null) {
        // The object's own safety nets (outbox, index) stay armed until their work succeeds and
        // clears them: a death during this flush must still find them.
        this.store.postponeTimer(timer.id, now + OUTBOX_FLUSH_DELAY_MS);
        if (timer.kind === OUTBOX_FLUSH_TIMER) this.outbox.markDirty();
        continue;
      }
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
    this.armAlarm();
    log("info", "alarm.fired", { task_uuid: this.reads.task()?.task_uuid, due_timers: timers.length, fired });
    this.indexWriter.wake();
    await this.afterWrite();
  }

  getTask(): RpcResult<TaskView, "task_not_found"> {
    const view = this.taskViewOrNull();
    return view ? ok(view) : this.taskNotFound();
  }

  /** One page of the task's steps in creation order, with the total. */
  listSteps(offset = 0, limit = 1_000): RpcResult<StepPage, "task_not_found"> {
    const task = this.taskRow();
    return task ? ok(stepPage(this.reads, task.task_uuid, offset, limit)) : this.taskNotFound();
  }

  /** One step, read on its own: the step and its parents, not the whole task. */
  getStep(stepUuid: string): RpcResult<StepView, "task_not_found" | "step_not_found"> {
    const task = this.taskRow();
    return task ? stepLookup(this.reads, task.task_uuid, stepUuid) : this.taskNotFound();
  }

  stepAudit(stepUuid: string): RpcResult<TransitionView[], "task_not_found" | "step_not_found"> {
    return this.taskRow() ? stepAudit(this.reads, stepUuid) : this.taskNotFound();
  }

  taskTransitions(): RpcResult<TransitionView[], "task_not_found"> {
    return this.taskRow() ? ok(taskTransitionsOf(this.reads)) : this.taskNotFound();
  }

  /** Everything the object holds, read-only: for tests and diagnosis, so nothing outside reads its tables. */
  inspect(): Promise<TaskInspection> {
    return inspect(this.ctx.storage, this.initialised());
  }

  private taskRow(): TaskRow | null {
    return this.initialised() ? this.reads.task() : null;
  }

  /** The object's name is its task's uuid, whether or not a task was ever created in it. */
  private taskNotFound() {
    return refused("task_not_found", `task ${this.ctx.id.name ?? this.ctx.id.toString()} not found`);
  }

  private initialised(): boolean {
    this.hasSchema ||= isInitialised(this.ctx.storage.sql);
    return this.hasSchema;
  }

  private loadRun(): TaskRun {
    if (this.run) return this.run;
    const task = this.reads.task();
    if (!task) throw new Error("task object has no task");
    let template: TaskTemplate | undefined;
    this.run = new TaskRun(task.task_uuid, task.state, this.store.loadRuntime(), {
      now: () => Date.now(),
      newId: () => crypto.randomUUID(),
      random: Math.random,
      maxSteps: maxTaskSteps(this.env),
      template: () => {
        template ??= this.reads.template();
        return template;
      },
    });
    return this.run;
  }

  /**
   * Runs one engine operation and writes its changes in one transaction. A refusal (stale or
   * duplicate input, an action not allowed) is returned as is and writes nothing but what
   * `alsoInTransaction` does. Any throw discards the in-memory run, so the next operation reloads
   * it from storage, which the failed transaction left untouched.
   */
  private mutate<R extends { refused: string }>(
    operation: (run: TaskRun) => Changes | R,
    alsoInTransaction?: () => void,
  ): Changes | R {
    let result: Changes | R;
    try {
      result = this.ctx.storage.transactionSync(() => {
        alsoInTransaction?.();
        const run = this.loadRun();
        const outcome = operation(run);
        if (!("refused" in outcome)) this.applyAndLog(run, outcome, outcome.at);
        return outcome;
      });
    } catch (error) {
      this.run = undefined;
      throw error;
    }
    this.armAlarm();
    return result;
  }

  private applyAndLog(run: TaskRun, changes: Changes, now: number): void {
    this.store.applyChanges(changes, run.steps, run.state, now);
    if (changesIndexedStatus(changes.taskTransitions)) this.indexWriter.enqueue(now);
    const effects = effectsOf(run, changes, this.store, this.reads);
    if (effects.length > 0) this.outboxStore.insertEffects(effects, now);
    if (effects.length > 0 || changes.dispatches.some((d) => !d.eager)) {
      this.outboxStore.ensureOutboxFlushTimer(now + OUTBOX_FLUSH_DELAY_MS);
      this.outbox.wrote();
    }
    for (const created of changes.createdSteps.length > 0 ? [changes.createdSteps] : []) {
      log("info", "steps.created", { task_uuid: run.taskUuid, by: created[0]?.createdBy, steps: created.length });
    }
    logTransitions(run, changes);
  }

  /**
   * Performs the effects of committed writes: sends the outbox and performs pending effects. The
   * alarm needs nothing here: every write already armed it (see `armAlarm`). The task index is
   * written in the background: the caller never waits on D1.
   */
  private async afterWrite(): Promise<void> {
    this.faultHook?.("after_commit");
    await this.outbox.flush();
    this.ctx.waitUntil(
      this.indexWriter
        .flush()
        .catch((error: unknown) =>
          log("error", "task_index.flush_failed", { task_uuid: this.run?.taskUuid, error: String(error) }),
        ),
    );
  }

  /**
   * Points the alarm at the earliest timer. Called after every write to the timers table, in the same
   * synchronous block: with no `await` between the SQL write and `setAlarm`, the platform's write
   * coalescing makes both durable together, so no death can leave timers without their alarm. The
   * returned promise is deliberately not awaited; the output gate holds every reply until it lands.
   */
  private armAlarm(): void {
    const due = this.store.nextTimerDue();
    if (due === this.alarmAt) return;
    this.alarmAt = due;
    const write = due === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(due);
    write.catch((error: unknown) => log("error", "alarm.arm_failed", { task_uuid: this.run?.taskUuid, error: String(error) }));
  }

  private taskViewOrNull(): TaskView | null {
    return this.initialised() ? taskViewOf(this.reads, this.run) : null;
  }

  private taskViewOrThrow(): TaskView {
    const view = this.taskViewOrNull();
    if (!view) throw new Error("task object has no task");
    return view;
  }
}
