// The effects executor: after a commit, sends the outbox to the step queue and performs pending effects on other objects.
import { indexEventWait, unindexEventWait } from "../catalog/event-waits";
import type { StepMessage, StepOutcome } from "../engine/protocol";
import { isTerminalTaskState } from "../engine/states";
import type { Changes, TaskRun } from "../engine/task-run";
import { log } from "../log";
import { MAX_QUEUE_BATCH } from "../shared/limits";
import { planChildTask } from "./child-tasks";
import { taskObject } from "./client";
import type { OutboxStore } from "./outbox-store";
import type { ReadQueries } from "./read-queries";
import type { Effect, EffectRow } from "./rows";
import type { TaskStore } from "./store";

/** If the sends after a write never happen (crash, failed send), the alarm re-sends this much later. */
export const OUTBOX_FLUSH_DELAY_MS = 5_000;
/** Effects (child task starts, cancels, parent notices) performed per read of the effects table. */
const EFFECTS_PER_READ = 50;

/** Where an operation awaits I/O after committing: the points a process may die at (see `faultHook`). */
export type AwaitPoint =
  | "after_commit"
  | "before_send"
  | "after_send"
  | "before_effect"
  | "before_index_write"
  | "before_webhook_send"
  | "after_webhook_send"
  /** The purge removed the task's index row and is about to delete the object's storage. */
  | "before_purge";

/** What the executor needs of the object that owns it. */
export interface OutboxHost {
  /** The object's env, read at each use (tests replace the object's bindings after it starts). */
  env(): Env;
  outboxStore: OutboxStore;
  reads: ReadQueries;
  /** Points the alarm at the earliest timer, after a write to the timers table. */
  armAlarm(): void;
  /** The fault lab's seam: may throw to make the object die at this point. */
  reachedAwaitPoint(point: AwaitPoint): void;
  /** Fails a step in one transaction with `alsoInTransaction` (a child task that cannot start). */
  failStep(stepUuid: string, dispatchId: string, outcome: StepOutcome, alsoInTransaction: () => void): void;
  taskUuid(): string | undefined;
}

/** Work for other objects that this change calls for, to be written in its transaction. */
export function effectsOf(run: TaskRun, changes: Changes, store: TaskStore, reads: ReadQueries): Effect[] {
  const effects: Effect[] = [];
  for (const start of changes.childStarts) {
    store.setChildTask(start.stepUuid, start.dispatchId);
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
    const task = reads.task();
    if (task?.parent_task_uuid && task.parent_step_uuid && task.parent_dispatch_id) {
      effects.push({
        kind: "notify_parent",
        parent_task_uuid: task.parent_task_uuid,
        parent_step_uuid: task.parent_step_uuid,
        parent_dispatch_id: task.parent_dispatch_id,
        child_task_uuid: task.task_uuid,
        status: run.state,
        results: run.state === "complete" || run.state === "resolved_manually" ? reads.completedResults() : {},
      });
    }
  }
  return effects;
}

function requireDb(env: Env): D1Database {
  if (!env.TASKER_DB) throw new Error("binding TASKER_DB is not configured");
  return env.TASKER_DB;
}

export class Outbox {
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  /** Whether the outbox may hold unsent rows; starts true so leftovers of a crash are sent. */
  private dirty = true;

  constructor(private readonly host: OutboxHost) {}

  /** A brand-new object (no schema yet) has no leftovers of a crash: its first flush need not look. */
  nothingLeftOver(): void {
    this.dirty = false;
  }

  /** A committed write added outbox rows or effects: the running flush, if any, goes round again. */
  wrote(): void {
    this.dirty = true;
    if (this.flushing) this.flushAgain = true;
  }

  /** The flush timer fired: the next flush looks at the tables again. */
  markDirty(): void {
    this.dirty = true;
  }

  flush(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    if (this.flushing) {
      // The running flush sends these rows too. Not awaiting it matters: that flush may be waiting on
      // another object (a child task being cancelled) whose call back into this object is this very call.
      this.flushAgain = true;
      return Promise.resolve();
    }
    const { outboxStore } = this.host;
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        const sent = await this.sendPendingMessages();
        const performed = await this.performPendingEffects();
        this.dirty = !(sent && performed);
        // The safety net goes only once both are empty: a death between the two must still find it.
        if (!this.dirty && !this.flushAgain && !outboxStore.hasPendingOutboxWork()) {
          outboxStore.clearOutboxFlushTimer();
          this.host.armAlarm();
        }
      } while (this.flushAgain);
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Sends the outbox in batches; true once it is empty, false if a send failed (the flush timer retries). */
  private async sendPendingMessages(): Promise<boolean> {
    const { outboxStore, reads } = this.host;
    const task = reads.task();
    if (!task) return true;
    const env = this.host.env();
    const queue = (env as unknown as Record<string, Queue<StepMessage> | undefined>)[task.queue_binding];
    for (;;) {
      const rows = outboxStore.pendingOutbox(MAX_QUEUE_BATCH);
      if (rows.length === 0) return true;
      this.host.reachedAwaitPoint("before_send");
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
        outboxStore.ensureOutboxFlushTimer(Date.now() + OUTBOX_FLUSH_DELAY_MS);
        this.host.armAlarm();
        return false;
      }
      this.host.reachedAwaitPoint("after_send");
      outboxStore.removeOutbox(rows);
      log("info", "step.dispatched", { task_uuid: task.task_uuid, messages: rows.length, queue: task.queue_binding });
    }
  }

  /** Performs the effects table in order; true once it is empty, false if one failed (the flush timer retries). */
  private async performPendingEffects(): Promise<boolean> {
    const { outboxStore } = this.host;
    for (;;) {
      const rows = outboxStore.pendingEffects(EFFECTS_PER_READ);
      if (rows.length === 0) return true;
      for (const row of rows) {
        this.host.reachedAwaitPoint("before_effect");
        try {
          await this.perform(row);
        } catch (error) {
          log("error", "effect.failed", { task_uuid: this.host.taskUuid(), kind: row.effect.kind, error: String(error) });
          outboxStore.ensureOutboxFlushTimer(Date.now() + OUTBOX_FLUSH_DELAY_MS);
          this.host.armAlarm();
          return false;
        }
      }
    }
  }

  /** One effect; each is idempotent, so a crash between doing it and deleting it only repeats it. */
  private async perform({ id, effect }: EffectRow): Promise<void> {
    const env = this.host.env();
    switch (effect.kind) {
      case "start_child":
        await this.startChild(id, effect);
        return;
      case "cancel_child":
        await taskObject(env, effect.child_task_uuid).cancel(effect.reason);
        break;
      case "index_task":
        // Written by the TaskIndexWriter off the hot path; pendingEffects() never hands these out.
        return;
      case "index_event_wait":
        await indexEventWait(requireDb(env), effect.entry);
        break;
      case "unindex_event_wait":
        await unindexEventWait(requireDb(env), effect.task_uuid, effect.step_uuid);
        break;
      case "notify_parent":
        await taskObject(env, effect.parent_task_uuid).childFinished(
          effect.parent_step_uuid,
          effect.parent_dispatch_id,
          effect.child_task_uuid,
          effect.status,
          effect.results,
        );
        break;
    }
    this.host.outboxStore.deleteEffect(id);
  }

  /** Creates the child task (its uuid is the dispatch id, so a repeat finds it); a child that cannot start fails the step. */
  private async startChild(id: number, effect: Extract<Effect, { kind: "start_child" }>): Promise<void> {
    const { outboxStore, reads } = this.host;
    const env = this.host.env();
    const task = reads.task();
    const step = reads.step(effect.step_uuid);
    if (!task || !step || step.state !== "in_progress" || step.dispatch_id !== effect.dispatch_id) {
      outboxStore.deleteEffect(id);
      return;
    }
    const plan = await planChildTask(env, task, step, effect.dispatch_id, reads.ancestorResults(step.step_uuid));
    if (!plan.ok) {
      log("error", "child_task.refused", {
        task_uuid: task.task_uuid,
        step: step.name,
        error_code: plan.code,
        message: plan.message,
      });
      const failure: StepOutcome = { success: false, error: { message: plan.message, error_code: plan.code, retryable: false } };
      this.host.failStep(step.step_uuid, effect.dispatch_id, failure, () => outboxStore.deleteEffect(id));
      return;
    }
    const { created } = await taskObject(env, effect.child_task_uuid).create(plan.input);
    log("info", "child_task.started", {
      task_uuid: task.task_uuid,
      step: step.name,
      child_task_uuid: effect.child_task_uuid,
      template: `${plan.input.template.namespace_name}/${plan.input.template.name}@${plan.input.template.version}`,
      created,
    });
    outboxStore.deleteEffect(id);
  }
}
