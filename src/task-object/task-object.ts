// The Durable Object that owns one task, the single writer of its state, timers and outbox: its RPC methods.
import { z } from "zod";
import {
  type ClaimedStep,
  type ClaimRequest,
  type HandedStep,
  MAX_CLAIMS_PER_CALL,
  MAX_EAGER_LIMIT,
  type ReportItem,
  type ReportOptions,
  type ReportReceipt,
  type StepMessage,
  type StepOutcome,
  StepOutcomeSchema,
} from "../engine/protocol";
import { isTerminalTaskState } from "../engine/states";
import type { Actor, Changes, EagerHandOff, StepAction, TaskAction, TaskControl } from "../engine/task-run";
import { log } from "../log";
import { configOf } from "../orchestrator-config";
import { MAX_RESULT_BYTES } from "../shared/limits";
import { resolveQueueBinding } from "../shared/queue-routing";
import { EVENT_NAME_PATTERN } from "../shared/wait-config";
import { type ChildTaskInput, childOutcome } from "./child-tasks";
import { assembleClaim, assembleClaims } from "./claims";
import { inspect, type TaskInspection } from "./inspection";
import { type StepGraph, type StepPage, stepAudit, stepGraph, stepLookup, stepPage, taskTransitionsOf } from "./lookups";
import { migrate } from "./migrations";
import { TaskObjectCore } from "./object-core";
import type { StepFilter } from "./read-queries";
import type { NewTask } from "./rows";
import { ok, type RpcResult, refused } from "./rpc-result";
import { firstIndexWriteAt } from "./task-index-effect";
import type { StepView, TaskView, TransitionView } from "./views";
import { deliveryView, MAX_LISTED_DELIVERIES, type WebhookDeliveryView } from "./webhook-views";

export type { StepPage } from "./lookups";
export type { AwaitPoint } from "./outbox";

export type NewTaskInput = ChildTaskInput;

const IdSchema = z.string().min(1).max(100);

/** An event as the API hands it to a task: its id (given by the sender or derived from its content), name, payload, sender. */
const TaskEventInputSchema = z.object({
  event_id: z.string().min(1).max(200),
  name: z.string().regex(EVENT_NAME_PATTERN),
  payload: z.unknown(),
  actor: z.object({ name: z.string(), via: z.enum(["api_key", "jwt", "none"]) }).optional(),
});
export type TaskEventInput = z.input<typeof TaskEventInputSchema>;

/** What became of an event at one task: taken by a waiting step, kept for one, or a duplicate of one seen before. */
export interface EventReceipt {
  task_uuid: string;
  event_id: string;
  status: "delivered" | "buffered" | "duplicate";
  /** The step that took it (for a duplicate, the step that took the first copy, if one did). */
  step_uuid: string | null;
  step_name: string | null;
}

function byteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value ?? null)).byteLength;
}

/** A reported outcome, checked; a result over the size limit becomes a permanent `result_too_large` failure. */
function checkedOutcome(raw: StepOutcome): StepOutcome {
  const outcome = StepOutcomeSchema.parse(raw);
  if (!outcome.success || byteLength(outcome.result) <= MAX_RESULT_BYTES) return outcome;
  return {
    success: false,
    error: { message: `result exceeds ${MAX_RESULT_BYTES} bytes`, error_code: "result_too_large", retryable: false },
  };
}

/** What a reporter asked for in eager steps: clamped, not refused (asking for more just queues the rest). */
function handOffOf(options: ReportOptions | undefined): EagerHandOff {
  const limit = Math.max(0, Math.min(MAX_EAGER_LIMIT, Math.floor(Number(options?.eager_limit) || 0)));
  return { limit, claim: options?.claim_eager === true };
}

export class TaskObject extends TaskObjectCore {
  /**
   * Creates the task and dispatches its first steps; with `eager_limit`, that many of them are handed
   * back to the caller to run at once: as messages to claim (queued after a short claim timeout if it
   * never claims them), or, with `claim_eager`, already claimed (recovered by their deadline if it
   * never reports). Creating an existing task returns it unchanged.
   */
  async create(
    input: NewTaskInput,
    options: ReportOptions = {},
  ): Promise<{ created: boolean; task: TaskView; eager?: StepMessage[]; claimed?: HandedStep[] }> {
    const trace = this.traceRpc("create");
    const existing = this.heldTaskView();
    trace?.lap("lookup");
    if (existing) {
      // A repeated create (a client's retry, a parent starting its child again) may follow a crash:
      // it re-arms and re-sends whatever the first one left behind.
      this.reconcile();
      await this.afterWrite();
      trace?.note("created", false);
      this.endTrace(trace);
      return { created: false, task: this.taskViewOrThrow() };
    }
    const handOff = handOffOf(options);
    let started: Changes | undefined;
    const now = Date.now();
    const task: NewTask = {
      ...input,
      queue_binding: resolveQueueBinding(input.template.namespace_name, this.env, configOf(this.env).queues),
    };
    let stepUuids = new Map<string, string>();
    trace?.lap("args");
    try {
      this.ctx.storage.transactionSync(() => {
        migrate(this.ctx.storage.sql, now);
        trace?.lap("migrate");
        stepUuids = this.store.insertTask(task, () => crypto.randomUUID(), now);
        this.webhookStore.recordEndpoints([...(task.template.webhooks ?? []), ...(task.webhooks ?? [])]);
        trace?.lap("insert_task");
        // Inserting and starting share one transaction: a crash can never leave a task that never starts.
        const run = this.loadRun(trace);
        started = run.start(handOff, now);
        trace?.lap("engine");
        this.applyAndLog(run, started, now, trace, firstIndexWriteAt(task.template, now));
      });
    } catch (error) {
      // Rolled back whole: memory must not keep the run (or the schema) the transaction had made.
      this.forgetTask();
      throw error;
    }
    trace?.lap("commit");
    this.armAlarm();
    trace?.lap("alarm");
    log("info", "task.created", {
      task_uuid: task.task_uuid,
      namespace: task.template.namespace_name,
      name: task.template.name,
      steps: stepUuids.size,
      ...(task.parent ? { parent_task_uuid: task.parent.task_uuid, parent_step: task.parent.step_name } : {}),
    });
    trace?.lap("logging");
    const claimed = this.handedSteps(task.task_uuid, started);
    trace?.lap("assemble");
    await this.afterWrite(trace);
    const eager = this.eagerMessages(task.task_uuid, started);
    const view = this.taskViewOrThrow();
    trace?.lap("view");
    trace?.count("eager_handed", eager.length + claimed.length);
    this.endTrace(trace);
    return {
      created: true,
      task: view,
      ...(eager.length > 0 ? { eager } : {}),
      ...(claimed.length > 0 ? { claimed } : {}),
    };
  }

  /** Claims a dispatched step for one attempt; `null` for a stale or duplicate dispatch. */
  async claim(stepUuid: string, dispatchId: string): Promise<ClaimedStep | null> {
    const trace = this.traceRpc("claim", stepUuid);
    IdSchema.parse(stepUuid);
    IdSchema.parse(dispatchId);
    trace?.lap("args");
    if (!this.liveTask()) {
      this.endTrace(trace);
      return null;
    }
    trace?.lap("init");
    const outcome = this.mutate(
      (run) => {
        const result = run.claim(stepUuid, dispatchId);
        return "refused" in result ? result : result.changes;
      },
      undefined,
      trace,
    );
    if ("refused" in outcome) {
      trace?.note("refused", outcome.refused);
      this.endTrace(trace);
      return null;
    }
    this.faultHook?.("after_commit");
    const claimed = assembleClaim(this.reads, this.loadRun(), stepUuid, dispatchId);
    trace?.lap("assemble");
    this.endTrace(trace);
    return claimed;
  }

  /**
   * Claims several dispatched steps in one transaction (a consumer's queue batch for this task); per
   * item in order, its claim or null (stale, duplicate, or refused as `claim` would refuse it).
   */
  async claimMany(items: readonly ClaimRequest[]): Promise<(ClaimedStep | null)[]> {
    const trace = this.traceRpc("claimMany");
    if (!Array.isArray(items) || items.length > MAX_CLAIMS_PER_CALL) {
      throw new TypeError(`claimMany takes an array of at most ${MAX_CLAIMS_PER_CALL} items`);
    }
    const wanted = items.map((item) => ({
      stepUuid: IdSchema.parse(item?.step_uuid),
      dispatchId: IdSchema.parse(item?.dispatch_id),
    }));
    trace?.lap("args");
    trace?.count("claims_asked", wanted.length);
    const none = wanted.map(() => null);
    if (wanted.length === 0 || !this.liveTask()) {
      this.endTrace(trace);
      return none;
    }
    trace?.lap("init");
    let claimed: boolean[] = [];
    const outcome = this.mutate(
      (run) => {
        const result = run.claimMany(wanted);
        if ("refused" in result) return result;
        claimed = result.claimed;
        return result.changes;
      },
      undefined,
      trace,
    );
    if ("refused" in outcome) {
      trace?.note("refused", outcome.refused);
      this.endTrace(trace);
      return none;
    }
    this.faultHook?.("after_commit");
    const run = this.loadRun();
    const claims = assembleClaims(
      this.reads,
      run,
      wanted.filter((_, i) => claimed[i]),
    );
    let next = 0;
    const answers = wanted.map((_, i) => (claimed[i] ? (claims[next++] ?? null) : null));
    trace?.lap("assemble");
    trace?.count("claims_granted", claims.length);
    this.endTrace(trace);
    return answers;
  }

  /** Records the outcome of a claimed attempt. A report for a dispatch that is no longer current changes nothing. */
  async report(
    stepUuid: string,
    dispatchId: string,
    rawOutcome: StepOutcome,
    options: ReportOptions = {},
  ): Promise<ReportReceipt> {
    const trace = this.traceRpc("report", stepUuid);
    IdSchema.parse(stepUuid);
    IdSchema.parse(dispatchId);
    const handOff = handOffOf(options);
    const outcome = checkedOutcome(rawOutcome);
    trace?.lap("args");
    if (!this.liveTask()) {
      this.endTrace(trace);
      return { accepted: false, step_state: "unknown" };
    }
    trace?.lap("init");
    const applied = this.mutate((run) => run.report(stepUuid, dispatchId, outcome, handOff), undefined, trace);
    const claimed = "refused" in applied ? [] : this.handedSteps(this.run?.taskUuid ?? "", applied);
    trace?.lap("assemble");
    await this.afterWrite(trace);
    const receipt: ReportReceipt = {
      accepted: !("refused" in applied),
      step_state: this.run?.steps.get(stepUuid)?.state ?? "unknown",
    };
    if ("refused" in applied) {
      trace?.note("refused", applied.refused);
      this.endTrace(trace);
      return receipt;
    }
    const eager = this.eagerMessages(this.run?.taskUuid ?? "", applied);
    trace?.lap("receipt");
    trace?.count("eager_handed", eager.length + claimed.length);
    this.endTrace(trace);
    return { ...receipt, ...(eager.length > 0 ? { eager } : {}), ...(claimed.length > 0 ? { claimed } : {}) };
  }

  /**
   * Records several reports in one transaction, each as `report` would (its own refusal, its own
   * eager steps); per item in order, its receipt. The same dispatch twice: the second is stale.
   */
  async reportMany(items: readonly ReportItem[]): Promise<ReportReceipt[]> {
    const trace = this.traceRpc("reportMany");
    if (!Array.isArray(items) || items.length > MAX_CLAIMS_PER_CALL) {
      throw new TypeError(`reportMany takes an array of at most ${MAX_CLAIMS_PER_CALL} items`);
    }
    const reports = items.map((item) => ({
      stepUuid: IdSchema.parse(item?.step_uuid),
      dispatchId: IdSchema.parse(item?.dispatch_id),
      outcome: checkedOutcome(item.outcome),
      handOff: handOffOf(item.options),
    }));
    trace?.lap("args");
    trace?.count("reports", reports.length);
    if (!this.liveTask()) {
      this.endTrace(trace);
      return reports.map(() => ({ accepted: false, step_state: "unknown" }));
    }
    trace?.lap("init");
    const applied = this.mutateAll(
      reports.map(
        ({ stepUuid, dispatchId, outcome, handOff }) =>
          (run) =>
            run.report(stepUuid, dispatchId, outcome, handOff),
      ),
      trace,
    );
    const taskUuid = this.run?.taskUuid ?? "";
    const claimed = applied.map((changes) => ("refused" in changes ? [] : this.handedSteps(taskUuid, changes)));
    trace?.lap("assemble");
    await this.afterWrite(trace);
    const receipts = reports.map(({ stepUuid }, i): ReportReceipt => {
      const changes = applied[i];
      // A later item may have moved the step on: its state is read as the whole call left it.
      const receipt = {
        accepted: changes !== undefined && !("refused" in changes),
        step_state: this.run?.steps.get(stepUuid)?.state ?? "unknown",
      };
      if (changes === undefined || "refused" in changes) return receipt;
      const eager = this.eagerMessages(taskUuid, changes);
      const handed = claimed[i] ?? [];
      return { ...receipt, ...(eager.length > 0 ? { eager } : {}), ...(handed.length > 0 ? { claimed: handed } : {}) };
    });
    trace?.lap("receipt");
    trace?.count(
      "eager_handed",
      claimed.reduce((n, c) => n + c.length, 0),
    );
    this.endTrace(trace);
    return receipts;
  }

  /** Records that a step's message reached the dead-letter queue, so the step does not wait forever. */
  async deadLetter(stepUuid: string, dispatchId: string): Promise<{ accepted: boolean }> {
    IdSchema.parse(stepUuid);
    IdSchema.parse(dispatchId);
    if (!this.liveTask()) return { accepted: false };
    const result = this.mutate((run) => run.deadLetter(stepUuid, dispatchId));
    await this.afterWrite();
    return { accepted: !("refused" in result) };
  }

  /**
   * Cancels the task and its unfinished steps together; a running handler's late report is ignored.
   * `actor` is the API's caller (none when a parent task's end cancels its child).
   */
  async cancel(
    reason: string,
    actor?: Actor,
  ): Promise<RpcResult<TaskView, "task_not_found" | "task_purged" | "task_already_terminal">> {
    if (!this.liveTask()) return this.taskNotFound();
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
    RpcResult<
      StepView,
      "task_not_found" | "task_purged" | "step_not_found" | "task_already_terminal" | "result_too_large" | "action_not_allowed"
    >
  > {
    if (!this.liveTask()) return this.taskNotFound();
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
  async applyTaskAction(
    action: TaskAction,
  ): Promise<RpcResult<TaskView, "task_not_found" | "task_purged" | "action_not_allowed">> {
    if (!this.liveTask()) return this.taskNotFound();
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
    if (!this.liveTask()) return { accepted: false };
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

  /**
   * An event sent to this task: the step waiting for it (by name and match, longest waiting first)
   * takes its payload as its result; with none waiting, the task keeps it for a step that will wait
   * (wait-store.ts: how long, how many). An event id seen before is a duplicate and changes nothing.
   */
  async sendEvent(
    input: TaskEventInput,
  ): Promise<RpcResult<EventReceipt, "task_not_found" | "task_purged" | "task_already_terminal">> {
    const event = TaskEventInputSchema.parse(input);
    if (!this.liveTask()) return this.taskNotFound();
    const run = this.loadRun();
    const receipt = (status: EventReceipt["status"], stepUuid: string | null): EventReceipt => ({
      task_uuid: run.taskUuid,
      event_id: event.event_id,
      status,
      step_uuid: stepUuid,
      step_name: stepUuid === null ? null : (run.steps.get(stepUuid)?.name ?? null),
    });
    const seen = this.waits.event(event.event_id);
    if (seen) return ok(receipt("duplicate", seen.consumed_by));
    if (isTerminalTaskState(run.state)) {
      return refused("task_already_terminal", `task ${run.taskUuid} has finished; it takes no more events`, {
        status: run.state,
      });
    }
    const now = Date.now();
    const stored = { eventId: event.event_id, name: event.name, payload: event.payload, sentBy: event.actor?.name ?? null };
    const waiting = this.waits.waitingStepFor(event.name, event.payload);
    if (!waiting) {
      this.ctx.storage.transactionSync(() => this.waits.recordEvent(stored, null, now));
      log("info", "event.buffered", { task_uuid: run.taskUuid, event: event.name, event_id: event.event_id });
      return ok(receipt("buffered", null));
    }
    const received = { eventId: event.event_id, name: event.name, payload: event.payload, actor: event.actor };
    const applied = this.mutate((r) => {
      const outcome = r.receiveEvent(waiting.step_uuid, waiting.dispatch_id, received);
      this.waits.recordEvent(stored, "refused" in outcome ? null : waiting.step_uuid, now);
      return outcome;
    });
    await this.afterWrite();
    const delivered = !("refused" in applied);
    log("info", delivered ? "event.delivered" : "event.buffered", {
      task_uuid: run.taskUuid,
      event: event.name,
      event_id: event.event_id,
      ...(delivered ? { step_uuid: waiting.step_uuid } : {}),
    });
    return ok(delivered ? receipt("delivered", waiting.step_uuid) : receipt("buffered", null));
  }

  /**
   * Pauses the task: nothing new is dispatched (ready steps wait, claims are refused, step timers are
   * held) until `resume`; steps in flight finish and are recorded. Pausing a paused task changes nothing.
   */
  async pause(control: TaskControl): Promise<RpcResult<TaskView, "task_not_found" | "task_purged" | "task_already_terminal">> {
    return this.control("pause", control);
  }

  /** Resumes a paused task where it was; resuming a task that is not paused changes nothing. */
  async resume(control: TaskControl): Promise<RpcResult<TaskView, "task_not_found" | "task_purged" | "task_already_terminal">> {
    return this.control("resume", control);
  }

  private async control(
    action: "pause" | "resume",
    control: TaskControl,
  ): Promise<RpcResult<TaskView, "task_not_found" | "task_purged" | "task_already_terminal">> {
    if (!this.liveTask()) return this.taskNotFound();
    const applied = this.mutate((run) => (action === "pause" ? run.pause(control) : run.resume(control)));
    if ("refused" in applied) {
      if (applied.refused === "task_finished") {
        const run = this.loadRun();
        return refused("task_already_terminal", `task ${run.taskUuid} is already ${run.state}`, { status: run.state });
      }
      // Already paused (or not paused, for a resume): the request is satisfied as it stands.
      return ok(this.taskViewOrThrow());
    }
    log("info", action === "pause" ? "task.paused" : "task.resumed", {
      task_uuid: this.loadRun().taskUuid,
      performed_by: control.performed_by,
      actor: control.actor?.name,
    });
    await this.afterWrite();
    return ok(this.taskViewOrThrow());
  }

  getTask(): RpcResult<TaskView, "task_not_found" | "task_purged"> {
    const trace = this.traceRpc("getTask");
    const view = this.taskViewOrNull();
    trace?.lap("view");
    this.endTrace(trace);
    return view ? ok(view) : this.taskNotFound();
  }

  /** One page of the task's steps in creation order, with the total. */
  listSteps(offset = 0, limit = 1_000, filter?: StepFilter): RpcResult<StepPage, "task_not_found" | "task_purged"> {
    const task = this.taskRow();
    return task ? ok(stepPage(this.reads, this.waits, task.task_uuid, offset, limit, filter)) : this.taskNotFound();
  }

  /** The graph without the batch workers: every other step, and each batch's worker count per state. */
  stepGraph(): RpcResult<StepGraph, "task_not_found" | "task_purged"> {
    const task = this.taskRow();
    return task ? ok(stepGraph(this.reads, this.waits, task.task_uuid)) : this.taskNotFound();
  }

  /** One step, read on its own: the step and its parents, not the whole task. */
  getStep(stepUuid: string): RpcResult<StepView, "task_not_found" | "task_purged" | "step_not_found"> {
    const task = this.taskRow();
    return task ? stepLookup(this.reads, this.waits, task.task_uuid, stepUuid) : this.taskNotFound();
  }

  stepAudit(stepUuid: string): RpcResult<TransitionView[], "task_not_found" | "task_purged" | "step_not_found"> {
    return this.taskRow() ? stepAudit(this.reads, stepUuid) : this.taskNotFound();
  }

  taskTransitions(): RpcResult<TransitionView[], "task_not_found" | "task_purged"> {
    return this.taskRow() ? ok(taskTransitionsOf(this.reads)) : this.taskNotFound();
  }

  /** The task's webhook deliveries, newest first, each with its attempts. */
  listDeliveries(): RpcResult<WebhookDeliveryView[], "task_not_found" | "task_purged"> {
    if (!this.taskRow()) return this.taskNotFound();
    return ok(
      this.webhookStore.deliveries(MAX_LISTED_DELIVERIES).map(({ delivery, attempts }) => deliveryView(delivery, attempts)),
    );
  }

  /** Everything the object holds, read-only: for tests and diagnosis, so nothing outside reads its tables. */
  inspect(): Promise<TaskInspection> {
    return inspect(this.ctx.storage, this.initialised());
  }
}
