// The Durable Object that owns one task: the single writer of its state, timers and outbox.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { MAX_QUEUE_BATCH, MAX_RESULT_BYTES } from "../engine/limits";
import {
  type ClaimedStep,
  type FailedDependency,
  MAX_EAGER_LIMIT,
  type ReportOptions,
  type ReportReceipt,
  type StepMessage,
  type StepOutcome,
  StepOutcomeSchema,
} from "../engine/protocol";
import { isTerminalTaskState, type StepState } from "../engine/states";
import { type Actor, type Changes, type StepAction, type TaskAction, TaskRun, type TimerKind } from "../engine/task-run";
import { maxTaskSteps } from "../limits-config";
import { log } from "../log";
import { configOf } from "../orchestrator/config";
import type { StepDefinition, TaskTemplate } from "../templates/types";
import { type ChildTaskInput, childOutcome, planChildTask } from "./child-tasks";
import { taskObject } from "./client";
import { isInitialised, migrate } from "./migrations";
import { resolveQueueBinding } from "./routing";
import { type Effect, type EffectRow, type NewTask, OUTBOX_FLUSH_TIMER, TaskStore } from "./store";
import { changesIndexedStatus, TaskIndexWriter } from "./task-index-effect";
import { logTransitions } from "./transition-log";
import { type StepView, stepView, type TaskView, type TransitionView, taskView, transitionView } from "./views";

/** If the sends after a write never happen (crash, failed send), the alarm re-sends this much later. */
export const OUTBOX_FLUSH_DELAY_MS = 5_000;
/** Timers handled per alarm run; the rest re-arm the alarm immediately. */
const TIMERS_PER_ALARM = 500;
/** Effects (child task starts, cancels, parent notices) performed per read of the effects table. */
const EFFECTS_PER_READ = 50;

export type NewTaskInput = ChildTaskInput;
export type StepPage = { total: number; steps: StepView[] };
export type CancelResult =
  | { ok: true; task: TaskView }
  | { ok: false; code: "task_not_found" }
  | { ok: false; code: "task_already_terminal"; status: string };
export type StepActionResult =
  | { ok: true; step: StepView }
  | { ok: false; code: "task_not_found" | "step_not_found" | "task_already_terminal" | "result_too_large" }
  | { ok: false; code: "action_not_allowed"; state: string };
export type TaskActionResult =
  | { ok: true; task: TaskView }
  | { ok: false; code: "task_not_found" }
  | { ok: false; code: "action_not_allowed"; status: string };
/** Where an operation awaits I/O after committing: the points a process may die at (see `faultHook`). */
export type AwaitPoint = "after_commit" | "before_send" | "after_send" | "before_effect" | "before_index_write";
export type StepLookup = { task: false } | { task: true; step: StepView | null };
export type AuditLookup = { task: false } | { task: true; transitions: TransitionView[] | null };

const IdSchema = z.string().min(1).max(100);

function byteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value ?? null)).byteLength;
}

export class TaskObject extends DurableObject<Env> {
  private readonly store: TaskStore;
  private run: TaskRun | undefined;
  private alarmAt: number | null = null;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  /** Whether the outbox may hold unsent rows; starts true so leftovers of a crash are sent. */
  private outboxDirty = true;
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
    this.indexWriter = new TaskIndexWriter(
      ctx.storage.sql,
      () => (this.initialised() ? this.store.task() : null),
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
      if (this.store.hasPendingOutboxWork()) this.store.ensureOutboxFlushTimer(now);
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
    const task: NewTask = {
      ...input,
      queue_binding: resolveQueueBinding(input.template.namespace_name, this.env, configOf(this.env).queues),
    };
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
    return this.claimedStep(stepUuid, dispatchId);
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
  async cancel(reason: string, actor?: Actor): Promise<CancelResult> {
    if (!this.initialised()) return { ok: false, code: "task_not_found" };
    const run = this.loadRun();
    if (isTerminalTaskState(run.state)) return { ok: false, code: "task_already_terminal", status: run.state };
    this.mutate((r) => r.cancel(actor ? { reason, actor: { name: actor.name, via: actor.via } } : { reason }));
    await this.afterWrite();
    return { ok: true, task: this.taskViewOrThrow() };
  }

  /** An operator's repair of one step; a blocked task resumes once no failed step is left. */
  async applyStepAction(stepUuid: string, action: StepAction): Promise<StepActionResult> {
    if (!this.initialised()) return { ok: false, code: "task_not_found" };
    if (action.action_type === "complete_manually" && byteLength(action.result) > MAX_RESULT_BYTES) {
      return { ok: false, code: "result_too_large" };
    }
    const result = this.mutate((run) => run.applyStepAction(stepUuid, action));
    if ("refused" in result) {
      if (result.refused === "unknown_step") return { ok: false, code: "step_not_found" };
      if (result.refused === "task_finished") return { ok: false, code: "task_already_terminal" };
      return { ok: false, code: "action_not_allowed", state: result.state ?? "unknown" };
    }
    await this.afterWrite();
    const lookup = this.getStep(stepUuid);
    if (!lookup.task || !lookup.step) return { ok: false, code: "step_not_found" };
    return { ok: true, step: lookup.step };
  }

  /** Ends a blocked task as `error` (give up) or `resolved_manually`. */
  async applyTaskAction(action: TaskAction): Promise<TaskActionResult> {
    if (!this.initialised()) return { ok: false, code: "task_not_found" };
    const applied = this.mutate((run) => run.applyTaskAction(action));
    if ("refused" in applied) return { ok: false, code: "action_not_allowed", status: this.loadRun().state };
    await this.afterWrite();
    return { ok: true, task: this.taskViewOrThrow() };
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
        if (timer.kind === OUTBOX_FLUSH_TIMER) this.outboxDirty = true;
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
    log("info", "alarm.fired", { task_uuid: this.store.task()?.task_uuid, due_timers: timers.length, fired });
    this.indexWriter.wake();
    await this.afterWrite();
  }

  getTask(): TaskView | null {
    return this.taskViewOrNull();
  }

  /** One page of the task's steps in creation order, with the total; null when there is no task. */
  listSteps(offset = 0, limit = 1_000): StepPage | null {
    const task = this.initialised() ? this.store.task() : null;
    if (!task) return null;
    const rows = this.store.steps(offset, limit);
    const parents = this.store.parentsOf(rows.map((row) => row.step_uuid));
    return {
      total: this.store.stepTotal(),
      steps: rows.map((row) => stepView(task.task_uuid, row, parents.get(row.step_uuid) ?? [])),
    };
  }

  /** One step, read on its own: the step and its parents, not the whole task. */
  getStep(stepUuid: string): StepLookup {
    const task = this.initialised() ? this.store.task() : null;
    if (!task) return { task: false };
    const row = this.store.step(stepUuid);
    if (!row) return { task: true, step: null };
    return { task: true, step: stepView(task.task_uuid, row, this.store.parentsOf([stepUuid]).get(stepUuid) ?? []) };
  }

  stepAudit(stepUuid: string): AuditLookup {
    if (!this.initialised() || !this.store.task()) return { task: false };
    if (!this.store.step(stepUuid)) return { task: true, transitions: null };
    return { task: true, transitions: this.store.stepTransitions(stepUuid).map(transitionView) };
  }

  taskTransitions(): TransitionView[] | null {
    if (!this.initialised() || !this.store.task()) return null;
    return this.store.taskTransitions().map(transitionView);
  }

  private initialised(): boolean {
    this.hasSchema ||= isInitialised(this.ctx.storage.sql);
    return this.hasSchema;
  }

  private loadRun(): TaskRun {
    if (this.run) return this.run;
    const task = this.store.task();
    if (!task) throw new Error("task object has no task");
    let template: TaskTemplate | undefined;
    this.run = new TaskRun(task.task_uuid, task.state, this.store.loadRuntime(), {
      now: () => Date.now(),
      newId: () => crypto.randomUUID(),
      random: Math.random,
      maxSteps: maxTaskSteps(this.env),
      template: () => {
        template ??= this.store.template();
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
    const effects = this.effectsOf(run, changes);
    if (effects.length > 0) this.store.insertEffects(effects, now);
    if (effects.length > 0 || changes.dispatches.some((d) => !d.eager)) {
      this.store.ensureOutboxFlushTimer(now + OUTBOX_FLUSH_DELAY_MS);
      this.outboxDirty = true;
      if (this.flushing) this.flushAgain = true;
    }
    for (const created of changes.createdSteps.length > 0 ? [changes.createdSteps] : []) {
      log("info", "steps.created", { task_uuid: run.taskUuid, by: created[0]?.createdBy, steps: created.length });
    }
    logTransitions(run, changes);
  }

  /** Work for other objects that this change calls for, written in its transaction. */
  private effectsOf(run: TaskRun, changes: Changes): Effect[] {
    const effects: Effect[] = [];
    for (const start of changes.childStarts) {
      this.store.setChildTask(start.stepUuid, start.dispatchId);
      effects.push({
        kind: "start_child",
        step_uuid: start.stepUuid,
        dispatch_id: start.dispatchId,
        child_task_uuid: start.dispatchId,
      });
    }
    for (const cancel of changes.childCancels) {
      effects.push({ kind: "cancel_child", child_task_uuid: cancel.dispatchId, reason: `parent task ${run.taskUuid} ended` });
    }
    if (changes.taskTransitions.length > 0 && isTerminalTaskState(run.state)) {
      const task = this.store.task();
      if (task?.parent_task_uuid && task.parent_step_uuid && task.parent_dispatch_id) {
        effects.push({
          kind: "notify_parent",
          parent_task_uuid: task.parent_task_uuid,
          parent_step_uuid: task.parent_step_uuid,
          parent_dispatch_id: task.parent_dispatch_id,
          child_task_uuid: task.task_uuid,
          status: run.state,
          results: run.state === "complete" || run.state === "resolved_manually" ? this.store.completedResults() : {},
        });
      }
    }
    return effects;
  }

  /**
   * Performs the effects of committed writes: sends the outbox and performs pending effects. The
   * alarm needs nothing here: every write already armed it (see `armAlarm`). The task index is
   * written in the background: the caller never waits on D1.
   */
  private async afterWrite(): Promise<void> {
    this.faultHook?.("after_commit");
    await this.flushOutbox();
    this.ctx.waitUntil(
      this.indexWriter
        .flush()
        .catch((error: unknown) =>
          log("error", "task_index.flush_failed", { task_uuid: this.run?.taskUuid, error: String(error) }),
        ),
    );
  }

  private flushOutbox(): Promise<void> {
    if (!this.outboxDirty) return Promise.resolve();
    if (this.flushing) {
      // The running flush sends these rows too. Not awaiting it matters: that flush may be waiting on
      // another object (a child task being cancelled) whose call back into this object is this very call.
      this.flushAgain = true;
      return Promise.resolve();
    }
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        const sent = await this.sendPendingMessages();
        const performed = await this.performPendingEffects();
        this.outboxDirty = !(sent && performed);
        // The safety net goes only once both are empty: a death between the two must still find it.
        if (!this.outboxDirty && !this.flushAgain && !this.store.hasPendingOutboxWork()) {
          this.store.clearOutboxFlushTimer();
          this.armAlarm();
        }
      } while (this.flushAgain);
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Sends the outbox in batches; true once it is empty, false if a send failed (the flush timer retries). */
  private async sendPendingMessages(): Promise<boolean> {
    const task = this.store.task();
    if (!task) return true;
    const queue = (this.env as unknown as Record<string, Queue<StepMessage> | undefined>)[task.queue_binding];
    for (;;) {
      const rows = this.store.pendingOutbox(MAX_QUEUE_BATCH);
      if (rows.length === 0) return true;
      this.faultHook?.("before_send");
      try {
        if (!queue) throw new Error(`queue binding ${task.queue_binding} is not configured`);
        await queue.sendBatch(
          rows.map((row) => ({
            body: { task_uuid: task.task_uuid, step_uuid: row.step_uuid, attempt: row.attempt, dispatch_id: row.dispatch_id },
            contentType: "json" as const,
          })),
        );
      } catch (error) {
        // The rows stay in the outbox and the flush timer sends them again.
        log("error", "outbox.send_failed", { task_uuid: task.task_uuid, messages: rows.length, error: String(error) });
        this.store.ensureOutboxFlushTimer(Date.now() + OUTBOX_FLUSH_DELAY_MS);
        this.armAlarm();
        return false;
      }
      this.faultHook?.("after_send");
      this.store.removeOutbox(rows);
      log("info", "step.dispatched", { task_uuid: task.task_uuid, messages: rows.length, queue: task.queue_binding });
    }
  }

  /** Performs the effects table in order; true once it is empty, false if one failed (the flush timer retries). */
  private async performPendingEffects(): Promise<boolean> {
    for (;;) {
      const rows = this.store.pendingEffects(EFFECTS_PER_READ);
      if (rows.length === 0) return true;
      for (const row of rows) {
        this.faultHook?.("before_effect");
        try {
          await this.perform(row);
        } catch (error) {
          log("error", "effect.failed", { task_uuid: this.run?.taskUuid, kind: row.effect.kind, error: String(error) });
          this.store.ensureOutboxFlushTimer(Date.now() + OUTBOX_FLUSH_DELAY_MS);
          this.armAlarm();
          return false;
        }
      }
    }
  }

  /** One effect; each is idempotent, so a crash between doing it and deleting it only repeats it. */
  private async perform({ id, effect }: EffectRow): Promise<void> {
    switch (effect.kind) {
      case "start_child":
        await this.startChild(id, effect);
        return;
      case "cancel_child":
        await taskObject(this.env, effect.child_task_uuid).cancel(effect.reason);
        break;
      case "index_task":
        // Written by the TaskIndexWriter off the hot path; pendingEffects() never hands these out.
        return;
      case "notify_parent":
        await taskObject(this.env, effect.parent_task_uuid).childFinished(
          effect.parent_step_uuid,
          effect.parent_dispatch_id,
          effect.child_task_uuid,
          effect.status,
          effect.results,
        );
        break;
    }
    this.store.deleteEffect(id);
  }

  /** Creates the child task (its uuid is the dispatch id, so a repeat finds it); a child that cannot start fails the step. */
  private async startChild(id: number, effect: Extract<Effect, { kind: "start_child" }>): Promise<void> {
    const task = this.store.task();
    const step = this.store.step(effect.step_uuid);
    if (!task || !step || step.state !== "in_progress" || step.dispatch_id !== effect.dispatch_id) {
      this.store.deleteEffect(id);
      return;
    }
    const plan = await planChildTask(this.env, task, step, effect.dispatch_id, this.store.ancestorResults(step.step_uuid));
    if (!plan.ok) {
      log("error", "child_task.refused", {
        task_uuid: task.task_uuid,
        step: step.name,
        error_code: plan.code,
        message: plan.message,
      });
      const failure: StepOutcome = { success: false, error: { message: plan.message, error_code: plan.code, retryable: false } };
      this.mutate(
        (run) => run.report(step.step_uuid, effect.dispatch_id, failure),
        () => this.store.deleteEffect(id),
      );
      return;
    }
    const { created } = await taskObject(this.env, effect.child_task_uuid).create(plan.input);
    log("info", "child_task.started", {
      task_uuid: task.task_uuid,
      step: step.name,
      child_task_uuid: effect.child_task_uuid,
      template: `${plan.input.template.namespace_name}/${plan.input.template.name}@${plan.input.template.version}`,
      created,
    });
    this.store.deleteEffect(id);
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

  private claimedStep(stepUuid: string, dispatchId: string): ClaimedStep | null {
    const task = this.store.task();
    const row = this.store.step(stepUuid);
    if (!task || !row || row.dispatch_id !== dispatchId) return null;
    const definition = JSON.parse(row.definition) as StepDefinition;
    return {
      task: {
        task_uuid: task.task_uuid,
        namespace: task.namespace,
        name: task.name,
        version: task.version,
        correlation_id: task.correlation_id,
        context: JSON.parse(task.context),
      },
      step: {
        step_uuid: row.step_uuid,
        name: row.name,
        type: row.type,
        callable: definition.handler.callable,
        initialization: definition.handler.initialization,
        attempt: row.attempts,
        max_attempts: definition.retry.max_attempts,
        timeout_ms: definition.timeout_seconds * 1000,
        ...(row.inputs === null ? {} : { inputs: JSON.parse(row.inputs) }),
      },
      dependency_results: this.store.ancestorResults(stepUuid),
      ...this.failedDependencies(stepUuid),
    };
  }

  /** Tolerated failures among a step's parents (continue_on_failure batches), so a convergence step can report them. */
  private failedDependencies(stepUuid: string): { failed_dependencies?: Record<string, FailedDependency> } {
    // The run in memory says whether any parent failed; only then is the query worth a claim's time.
    const run = this.loadRun();
    const parents = run.steps.get(stepUuid)?.parents ?? [];
    if (!parents.some((uuid) => run.steps.get(uuid)?.state === "error")) return {};
    const failed = this.store.failedParents(stepUuid);
    return Object.keys(failed).length === 0 ? {} : { failed_dependencies: failed };
  }

  private taskViewOrNull(): TaskView | null {
    if (!this.initialised()) return null;
    const task = this.store.task();
    if (!task) return null;
    // A loaded run keeps its counts current; counting rows would scan every step on each status read.
    const counts = this.run ? new Map(Object.entries(this.run.stepCounts()) as [StepState, number][]) : this.store.stepCounts();
    return taskView(task, counts, this.store.childTasks());
  }

  private taskViewOrThrow(): TaskView {
    const view = this.taskViewOrNull();
    if (!view) throw new Error("task object has no task");
    return view;
  }
}
