// The pure task engine: one task's steps in memory, every decision made here, changes reported out.

import { DEFAULT_MAX_TASK_STEPS, MAX_NESTING_DEPTH, STEP_LIMIT_EXCEEDED } from "../shared/limits";
import { type WaitConfig, waitConfigOf } from "../shared/wait-config";
import type { FailureStrategy, RetrySettings, StepDefinition, StepType, TaskTemplate } from "../templates/types";
import { type BatchWorkerInputs, type Plan, type PlannedStep, planBatch, planDecision } from "./dynamic-steps";
import { nestsDeeperThan } from "./nesting";
import type { StepOutcome } from "./protocol";
import { decideRetry } from "./retry";
import { IN_FLIGHT_STEP_STATES, isTerminalTaskState, STEP_STATES, type StepState, type TaskState } from "./states";
import { type RunsAs, runsAsFor } from "./sub-workflow";
import {
  canTransitionStep,
  canTransitionTask,
  nextStepState,
  nextTaskState,
  type StepEvent,
  type TaskEvent,
} from "./transitions";
import type { WaitPlan } from "./waits";

/**
 * How long a dispatched message may wait for its claim before the object sends it again, when the
 * task has few unclaimed dispatches: short, so a message lost with a crashed process or queue is
 * re-sent soon after a restart.
 */
export const CLAIM_TIMEOUT_MS = 20_000;
/** Added to that wait for each of the task's dispatches already waiting: a big fan-out's messages queue behind each other. */
export const CLAIM_TIMEOUT_PER_WAITING_MS = 50;
/** The longest first wait, and the wait before each further re-send: a backed-up queue is not flooded with copies. */
export const CLAIM_RESEND_INTERVAL_MS = 60_000;

/** The first claim timeout of a dispatch sent while `waiting` of the task's dispatches are unclaimed. */
export function firstClaimTimeoutMs(waiting: number): number {
  return Math.min(CLAIM_RESEND_INTERVAL_MS, CLAIM_TIMEOUT_MS + waiting * CLAIM_TIMEOUT_PER_WAITING_MS);
}
/** How long an eager dispatch (handed to the reporting consumer, not queued) waits before it is queued after all. */
export const EAGER_CLAIM_TIMEOUT_MS = 10_000;
/** Extra time past a step's timeout before the object stops waiting for its report. */
export const DEADLINE_GRACE_MS = 5_000;

export interface EngineDeps {
  now(): number;
  newId(): string;
  random(): number;
  /** The task's template, read only when a decision or batchable step completes. */
  template?(): TaskTemplate;
  /** Most steps the task may ever hold; a decision or batch outcome that would cross it fails its step. Default DEFAULT_MAX_TASK_STEPS. */
  maxSteps?: number;
  /**
   * Resolves the wait of a sleep or wait-for-event step as it starts (its values are read from the
   * task's context and the step's ancestors' results), with an event already received for it, if any.
   */
  waitStart?(step: StepRuntime): WaitStart;
}

/** A wait as its step starts, or why it cannot (the step then fails with `invalid_wait`). */
export type WaitStart = { ok: true; plan: WaitPlan; buffered: ReceivedEvent | null } | { ok: false; message: string };

/** An event delivered to a waiting step: its id (the duplicate guard), name, payload and who sent it. */
export interface ReceivedEvent {
  eventId: string;
  name: string;
  payload: unknown;
  actor?: Actor | undefined;
}

/** A wait that began: the object records it (and indexes an event wait) in the same transaction. */
export interface WaitStarted {
  stepUuid: string;
  dispatchId: string;
  plan: WaitPlan;
}

export interface StepError {
  message: string;
  error_code: string;
  error_type?: string | undefined;
  retryable: boolean;
  attempt: number;
  at: number;
}

export type { RunsAs } from "./sub-workflow";

/** A batch worker's membership: its batch (the batchable step's name) and the batch's rules. */
export interface BatchMembership {
  group: string;
  parallelism: number;
  failureStrategy: FailureStrategy;
}

/** The engine's view of one step: only what decisions need (results live in storage). */
export interface StepRuntime {
  uuid: string;
  name: string;
  /** Defaults to `standard`. */
  type?: StepType;
  /** Defaults to `queue`. */
  runsAs?: RunsAs;
  batch?: BatchMembership | null;
  state: StepState;
  attempts: number;
  retry: RetrySettings;
  timeoutMs: number;
  parents: string[];
  children: string[];
  remainingParents: number;
  dispatchId: string | null;
  nextRetryAt: number | null;
  /** A sleep's or wait-for-event step's config (what its timeout does); absent for other steps. */
  wait?: WaitConfig | null;
}

/**
 * `eager_claim_timeout`: an eager dispatch nobody claimed, queued for the first time when it fires.
 * `sleep_wake`: a sleep step's wake-up. `event_timeout`: a wait-for-event step gives up waiting.
 */
export type TimerKind = "retry" | "deadline" | "claim_timeout" | "eager_claim_timeout" | "sleep_wake" | "event_timeout";

/**
 * Timer kinds that still fire while the task is paused: they watch a step already in flight, so its
 * outcome is recorded. Every other step timer (retries, claim re-sends, and any kind added later:
 * wake-ups, timeouts) is held in the timers table and fires once the task resumes.
 */
export const TIMERS_FIRING_WHILE_PAUSED: ReadonlySet<string> = new Set<TimerKind>(["deadline"]);

export interface TimerSpec {
  kind: TimerKind;
  stepUuid: string;
  dispatchId: string | null;
  dueAt: number;
}

export interface TaskTransitionRecord {
  from: TaskState;
  to: TaskState;
  event: TaskEvent;
  at: number;
  metadata: Record<string, unknown>;
}

export interface StepTransitionRecord {
  stepUuid: string;
  from: StepState;
  to: StepState;
  event: StepEvent;
  at: number;
  metadata: Record<string, unknown>;
}

/** A step the engine created while the task ran (a decision's branch, a batch worker, a convergence step). */
export interface CreatedStep {
  uuid: string;
  name: string;
  position: number;
  definition: StepDefinition;
  inputs: BatchWorkerInputs | null;
  remainingParents: number;
  createdBy: string;
  at: number;
}

/** A step that runs as a child task; its dispatch id names the child. */
export interface ChildRun {
  stepUuid: string;
  dispatchId: string;
}

export interface Dispatch {
  stepUuid: string;
  dispatchId: string;
  attempt: number;
  /** Handed to the consumer that reported the parent instead of being queued; queued only if unclaimed. */
  eager: boolean;
  /** An eager dispatch claimed in the same operation (the reporter runs it without a claim RPC). */
  claimed?: true;
}

/** How the current operation hands ready steps to its caller instead of queueing them. */
export interface EagerHandOff {
  /** How many ready steps the caller takes at most. */
  limit: number;
  /** Claim them in the same operation: the caller runs them without a claim RPC (no claim timeout). */
  claim?: boolean;
}

function handOffOf(eager: number | EagerHandOff): EagerHandOff {
  return typeof eager === "number" ? { limit: eager } : eager;
}

/** Everything one engine operation changed, for the object to write in one transaction. */
export class Changes {
  /**
   * The operation's one clock reading: every transition, error, timer and created step it records
   * carries this time, so what happens in one operation is one instant in the logs and the audit.
   */
  constructor(readonly at: number) {}
  readonly taskTransitions: TaskTransitionRecord[] = [];
  readonly stepTransitions: StepTransitionRecord[] = [];
  /** Steps whose row must be rewritten. */
  readonly touchedSteps = new Set<string>();
  readonly dispatches: Dispatch[] = [];
  readonly timersArmed: TimerSpec[] = [];
  /** Steps whose pending timers are all void (they finished, or were claimed, or cancelled). */
  readonly timersCleared = new Set<string>();
  readonly results = new Map<string, unknown>();
  readonly errors = new Map<string, StepError>();
  /** Steps created by a decision or batch outcome, with their edges (parent uuid, child uuid). */
  readonly createdSteps: CreatedStep[] = [];
  readonly createdEdges: [string, string][] = [];
  /** Child tasks to start, and child tasks to cancel because their parent step will not wait for them. */
  readonly childStarts: ChildRun[] = [];
  readonly childCancels: ChildRun[] = [];
  /** Set when an action closed the whole task: its unsent messages and all its timers are void. */
  taskClosed = false;
  /** Sleeps and event waits that began; a wait ends with any transition out of `in_progress`. */
  readonly waitsStarted: WaitStarted[] = [];
  /** Buffered events a starting wait took, by event id → the step that took it. */
  readonly eventsConsumed = new Map<string, string>();
  /** Set by a pause (the record to keep) or a resume (null): the task's pause flag changed. */
  pause: PauseRecord | null | undefined = undefined;
}

/** Who paused a task, when and why: the flag the task carries until it is resumed or ends. */
export interface PauseRecord {
  at: number;
  performed_by: string;
  reason: string;
  actor?: Actor;
}

/** Why a claim, report, timer or action was not applied; the caller treats each as a no-op. */
export type Refusal = "unknown_step" | "stale_dispatch" | "task_finished" | "action_not_allowed" | "task_paused";

/**
 * Who asked for an action, as the API authenticated them: an API key's name or a token's `sub`
 * (`anonymous`, via `none`, while authentication is off). It is recorded as `actor` next to the
 * caller's free-text `performed_by`, which the caller may set to anything.
 */
export interface Actor {
  name: string;
  via: "api_key" | "jwt" | "none";
}

/** An operator's repair of one step (Tasker's `StepManualAction`). */
export type StepAction = (
  | { action_type: "reset_for_retry"; performed_by: string; reason: string }
  | { action_type: "resolve_manually"; performed_by: string; reason: string }
  | { action_type: "complete_manually"; performed_by: string; reason: string; result: unknown }
) & { actor?: Actor };

/** An operator's pause or resume of a whole task. */
export type TaskControl = { performed_by: string; reason: string; actor?: Actor };

/** An operator's decision about a blocked task as a whole. */
export type TaskAction = { action_type: "give_up" | "resolve_manually"; performed_by: string; reason: string; actor?: Actor };

/** The audit metadata of an action: what the caller wrote, and who the caller is. */
function actionMetadata(action: { performed_by: string; reason: string; actor?: Actor }): Record<string, unknown> {
  const metadata: Record<string, unknown> = { performed_by: action.performed_by, reason: action.reason };
  if (action.actor) metadata.actor = { name: action.actor.name, via: action.actor.via };
  return metadata;
}

/** The audit metadata of an event's arrival at its step. */
function eventMetadata(event: ReceivedEvent, buffered: boolean): Record<string, unknown> {
  const metadata: Record<string, unknown> = { event: event.name, event_id: event.eventId };
  if (buffered) metadata.buffered = true;
  if (event.actor) metadata.actor = { name: event.actor.name, via: event.actor.via };
  return metadata;
}

type EvaluationTrigger = "step_completed" | "step_failed" | "retry_ready" | "operator_action";

/** How a permanently failed step affects the task: block it, wait for repair without blocking siblings, or be tolerated. */
type FailureMode = "block" | "isolate" | "tolerate";

function failureMode(step: StepRuntime): FailureMode {
  switch (step.batch?.failureStrategy) {
    case "continue_on_failure":
      return "tolerate";
    case "isolate":
      return "isolate";
    default:
      return "block";
  }
}

/** A batch's slots: workers ready or in flight count against `parallelism`; the rest wait in `held`. */
interface BatchGroup {
  limit: number;
  used: number;
  held: string[];
  heldHead: number;
}

/**
 * A batchable step's result as stored: the cursor list is replaced by the number of workers it made.
 * Each worker holds its own cursor, and every worker reads its ancestors' results, so keeping a
 * 10,000-cursor list here would cost every one of them a copy.
 */
function withoutCursorList(result: unknown, workers: number): unknown {
  if (typeof result !== "object" || result === null) return result;
  const { batch_processing_outcome: outcome, ...rest } = result as Record<string, unknown>;
  if (typeof outcome !== "object" || outcome === null) return result;
  const { cursor_configs: _cursors, ...summary } = outcome as Record<string, unknown>;
  return { ...rest, batch_processing_outcome: { ...summary, worker_count: workers } };
}

/** Why an outcome of a decision or batchable step could not be acted on. */
export const INVALID_OUTCOME_CODES = { decision: "invalid_decision_outcome", batchable: "invalid_batch_outcome" } as const;

export class TaskRun {
  readonly steps = new Map<string, StepRuntime>();
  private readonly ready = new Set<string>();
  private readonly counts = new Map<StepState, number>(STEP_STATES.map((s) => [s, 0]));
  private readonly uuidByName = new Map<string, string>();
  private readonly groups = new Map<string, BatchGroup>();
  /** Steps in `error` that do not block the task (continue_on_failure) or block it only at the end (isolate). */
  private readonly softErrors = { tolerate: 0, isolate: 0 };
  private changes = new Changes(0);
  /** Eager dispatches the current operation may still hand out (set by `report`, zero otherwise). */
  private eagerBudget = 0;
  /** Whether the current operation claims the eager dispatches it hands out, and in answer to what. */
  private claimEager: "create" | "report" | null = null;
  /**
   * What starting waits left to do once the dispatch round is over (fail a wait that cannot start,
   * hand a buffered event to its step): done then, so the task evaluates from `steps_in_process`.
   */
  private readonly afterDispatch: (() => void)[] = [];
  /**
   * A paused task dispatches nothing: ready steps wait, claims are refused, step timers other than
   * TIMERS_FIRING_WHILE_PAUSED are held. Steps in flight still report. Loaded from the task row.
   */
  paused = false;

  constructor(
    readonly taskUuid: string,
    public state: TaskState,
    steps: Iterable<StepRuntime>,
    private readonly deps: EngineDeps,
  ) {
    for (const step of steps) {
      this.steps.set(step.uuid, step);
      this.uuidByName.set(step.name, step.uuid);
      this.bump(step.state, 1);
      this.countSoftError(step, step.state, 1);
      const group = this.groupOf(step);
      if (group && IN_FLIGHT_STEP_STATES.has(step.state)) group.used += 1;
    }
    for (const step of this.steps.values()) this.releaseIfReady(step);
  }

  /** Number of steps in each state. */
  stepCounts(): Record<StepState, number> {
    return Object.fromEntries(this.counts) as Record<StepState, number>;
  }

  readyStepUuids(): string[] {
    return [...this.ready];
  }

  /**
   * Starts a freshly created task: `pending → initializing`, then the first round of dispatch. Up to
   * `eager` first steps go to the creator to run at once instead of through the queue (claimed here
   * when it asks). `now` is
   * the creation's instant, so the task's first transitions carry the time it was created.
   */
  start(eager: number | EagerHandOff = 0, now?: number): Changes {
    const handOff = handOffOf(eager);
    this.eagerBudget = handOff.limit;
    this.claimEager = handOff.claim === true ? "create" : null;
    return this.operate(() => {
      this.moveTask("start", {});
      this.decide("initializing");
    }, now);
  }

  /** A handler Worker claims a dispatched step. Returns the attempt number, or why it was refused. */
  claim(stepUuid: string, dispatchId: string): { changes: Changes; attempt: number } | { refused: Refusal } {
    const step = this.steps.get(stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (step.state !== "enqueued" || step.dispatchId !== dispatchId) return { refused: "stale_dispatch" };
    // An enqueued step not yet claimed when the pause landed stays enqueued: its message is dropped,
    // and its held claim timeout sends the same dispatch again once the task resumes.
    if (this.paused) return { refused: "task_paused" };
    const changes = this.operate(() => {
      step.attempts += 1;
      this.moveStep(step, "start", { dispatch_id: dispatchId, attempt: step.attempts });
      this.changes.timersCleared.add(step.uuid);
      this.armTimer("deadline", step, this.changes.at + step.timeoutMs + DEADLINE_GRACE_MS);
    });
    return { changes, attempt: step.attempts };
  }

  /**
   * Claims several dispatched steps in one operation (a consumer's queue batch for this task), each
   * as `claim` would. Returns, per item in order, whether it was claimed (a stale, duplicate or
   * refused item is not; the same dispatch twice is claimed once), or why none was.
   */
  claimMany(
    items: readonly { stepUuid: string; dispatchId: string }[],
  ): { changes: Changes; claimed: boolean[] } | { refused: Refusal } {
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    const taken = new Set<string>();
    const claimed = items.map(({ stepUuid, dispatchId }) => {
      const step = this.steps.get(stepUuid);
      if (step?.state !== "enqueued" || step.dispatchId !== dispatchId || taken.has(stepUuid)) return false;
      taken.add(stepUuid);
      return true;
    });
    if (taken.size === 0) return { refused: "stale_dispatch" };
    if (this.paused) return { refused: "task_paused" };
    const changes = this.operate(() => {
      for (const uuid of taken) {
        const step = this.mustGet(uuid);
        step.attempts += 1;
        this.moveStep(step, "start", { dispatch_id: step.dispatchId, attempt: step.attempts });
        this.changes.timersCleared.add(uuid);
        this.armTimer("deadline", step, this.changes.at + step.timeoutMs + DEADLINE_GRACE_MS);
      }
    });
    return { changes, claimed };
  }

  /**
   * A handler Worker reports the outcome of the attempt it claimed. Stale reports change nothing.
   * Up to `eager` (a limit, or a limit and whether to claim) of the steps this makes ready are
   * dispatched eagerly: the reporter runs them next, skipping the queue hop. Unclaimed, a short claim
   * timeout queues any it does not claim; claimed here, each holds its attempt until its deadline.
   */
  report(
    stepUuid: string,
    dispatchId: string,
    outcome: StepOutcome,
    eager: number | EagerHandOff = 0,
  ): Changes | { refused: Refusal } {
    const step = this.steps.get(stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (step.state !== "in_progress" || step.dispatchId !== dispatchId) return { refused: "stale_dispatch" };
    const handOff = handOffOf(eager);
    this.eagerBudget = handOff.limit;
    this.claimEager = handOff.claim === true ? "report" : null;
    return this.operate(() => {
      // Stored results are read back, composed into children's contexts and serialised: bound them first.
      if (outcome.success && nestsDeeperThan(outcome.result, MAX_NESTING_DEPTH)) {
        this.fail(step, {
          message: `the step's result nests objects and arrays more than ${MAX_NESTING_DEPTH} levels deep`,
          error_code: "nesting_too_deep",
          retryable: false,
        });
      } else if (outcome.success) this.succeed(step, outcome.result);
      else
        this.fail(step, {
          message: outcome.error.message,
          error_code: outcome.error.error_code ?? (outcome.error.retryable ? "handler_error" : "permanent_error"),
          error_type: outcome.error.error_type,
          retryable: outcome.error.retryable,
          retryAfterMs: outcome.error.retry_after_ms,
        });
    });
  }

  /** A timer came due. Timers that no longer match the step's state are ignored. */
  fireTimer(timer: TimerSpec): Changes | { refused: Refusal } {
    const step = this.steps.get(timer.stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (this.holdsTimer(timer.kind)) return { refused: "task_paused" };
    switch (timer.kind) {
      case "retry":
        if (step.state !== "waiting_for_retry") return { refused: "stale_dispatch" };
        return this.operate(() => {
          step.nextRetryAt = null;
          this.moveStep(step, "retry", {});
          this.releaseIfReady(step);
          this.evaluate("retry_ready");
        });
      case "deadline":
        if (step.state !== "in_progress" || step.dispatchId !== timer.dispatchId) return { refused: "stale_dispatch" };
        return this.operate(() =>
          this.fail(step, {
            message: `no report within ${step.timeoutMs + DEADLINE_GRACE_MS} ms of the claim`,
            error_code: "timeout",
            retryable: true,
          }),
        );
      case "claim_timeout":
      case "eager_claim_timeout":
        if (step.state !== "enqueued" || step.dispatchId !== timer.dispatchId) return { refused: "stale_dispatch" };
        // Lost or delayed message: send the same dispatch again; only one claim of it can win. An
        // eager dispatch goes through the queue for the first time, so it gets the first timeout.
        return this.operate(() => {
          this.changes.dispatches.push({
            stepUuid: step.uuid,
            dispatchId: timer.dispatchId ?? "",
            attempt: step.attempts + 1,
            eager: false,
          });
          const wait =
            timer.kind === "eager_claim_timeout" ? firstClaimTimeoutMs(this.count("enqueued")) : CLAIM_RESEND_INTERVAL_MS;
          this.armTimer("claim_timeout", step, this.changes.at + wait);
        });
      case "sleep_wake":
        if (step.state !== "in_progress" || step.dispatchId !== timer.dispatchId) return { refused: "stale_dispatch" };
        return this.operate(() => this.succeed(step, { woke_at: new Date(this.changes.at).toISOString() }, { woke: "timer" }));
      case "event_timeout": {
        if (step.state !== "in_progress" || step.dispatchId !== timer.dispatchId) return { refused: "stale_dispatch" };
        const wait = step.wait?.kind === "wait_for_event" ? step.wait : null;
        return this.operate(() => {
          if (wait?.onTimeout === "complete") this.succeed(step, wait.timeoutResult, { timed_out: true });
          else
            this.fail(step, {
              message: `no ${wait?.event ?? ""} event came before the step's timeout`,
              error_code: "event_timeout",
              retryable: false,
            });
        });
      }
    }
  }

  /**
   * An event for a step waiting for one: its payload becomes the step's result. An event for a step
   * that no longer waits (it timed out, was woken by an operator, the task ended) changes nothing.
   */
  receiveEvent(stepUuid: string, dispatchId: string, event: ReceivedEvent): Changes | { refused: Refusal } {
    const step = this.steps.get(stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (step.runsAs !== "event_wait" || step.state !== "in_progress" || step.dispatchId !== dispatchId) {
      return { refused: "stale_dispatch" };
    }
    return this.operate(() => this.succeed(step, event.payload, eventMetadata(event, false)));
  }

  /**
   * A dispatch whose message exhausted its queue retries (its claim kept failing) reached the
   * dead-letter queue. The step fails permanently with `dead_lettered` instead of waiting forever;
   * an operator can reset it once the cause is fixed.
   */
  deadLetter(stepUuid: string, dispatchId: string): Changes | { refused: Refusal } {
    const step = this.steps.get(stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (step.state !== "enqueued" || step.dispatchId !== dispatchId) return { refused: "stale_dispatch" };
    return this.operate(() => {
      this.changes.errors.set(step.uuid, {
        message: "the step's queue message exhausted its retries without a successful claim",
        error_code: "dead_lettered",
        retryable: false,
        attempt: step.attempts,
        at: this.changes.at,
      });
      this.changes.timersCleared.add(step.uuid);
      this.moveStep(step, "fail", { error_code: "dead_lettered", dispatch_id: dispatchId });
      this.afterPermanentFailure(step);
      this.evaluate("step_failed");
    });
  }

  /** Whether a due timer of this kind must wait (stay in the timers table) until the task resumes. */
  holdsTimer(kind: string): boolean {
    return this.paused && !TIMERS_FIRING_WHILE_PAUSED.has(kind);
  }

  /** Pauses the task: nothing new is dispatched until `resume`. Refused on a finished or already paused task. */
  pause(control: TaskControl): Changes | { refused: Refusal } {
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (this.paused) return { refused: "task_paused" };
    return this.operate(() => {
      this.paused = true;
      const record: PauseRecord = { at: this.changes.at, performed_by: control.performed_by, reason: control.reason };
      if (control.actor) record.actor = { name: control.actor.name, via: control.actor.via };
      this.changes.pause = record;
      this.moveTask("pause", actionMetadata(control));
    });
  }

  /**
   * Resumes a paused task where it was: the steps that became ready while it was paused are
   * dispatched now; held timers fire as the alarm reaches them (at once when overdue).
   */
  resume(control: TaskControl): Changes | { refused: Refusal } {
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (!this.paused) return { refused: "action_not_allowed" };
    return this.operate(() => {
      this.paused = false;
      this.changes.pause = null;
      this.moveTask("unpause", actionMetadata(control));
      if (this.ready.size > 0) this.evaluate("operator_action");
    });
  }

  /** Cancels the task and every unfinished step in one operation. */
  cancel(reason: Record<string, unknown>): Changes {
    return this.operate(() => {
      this.cancelChildTasks();
      for (const step of this.steps.values()) {
        if (step.state === "complete" || step.state === "cancelled" || step.state === "resolved_manually") continue;
        this.moveStep(step, "cancel", reason);
        this.changes.timersCleared.add(step.uuid);
      }
      this.ready.clear();
      this.changes.taskClosed = true;
      this.moveTask("cancel", reason);
    });
  }

  /** Applies an operator's repair to one step, then lets the task continue (a blocked task resumes). */
  applyStepAction(stepUuid: string, action: StepAction): Changes | { refused: Refusal; state?: StepState } {
    const step = this.steps.get(stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (!canTransitionStep(step.state, action.action_type)) return { refused: "action_not_allowed", state: step.state };
    // A tolerated failure already let its dependents run; running the step again could not undo that.
    const alreadyReleased = this.hasReleasedChildren(step);
    if (alreadyReleased && action.action_type === "reset_for_retry") return { refused: "action_not_allowed", state: step.state };
    return this.operate(() => {
      this.moveStep(step, action.action_type, actionMetadata(action));
      step.nextRetryAt = null;
      this.changes.timersCleared.add(step.uuid);
      switch (action.action_type) {
        case "reset_for_retry":
          step.attempts = 0;
          this.releaseIfReady(step);
          break;
        case "complete_manually":
          this.changes.results.set(step.uuid, action.result);
          if (!alreadyReleased) this.releaseChildren(step);
          break;
        case "resolve_manually":
          if (!alreadyReleased) this.releaseChildren(step);
          break;
      }
      this.evaluate("operator_action");
    });
  }

  /** Ends a blocked task: `give_up` marks it `error`, `resolve_manually` marks it `resolved_manually`. */
  applyTaskAction(action: TaskAction): Changes | { refused: Refusal } {
    const event = action.action_type === "give_up" ? "give_up" : "manual_resolution";
    if (!canTransitionTask(this.state, event)) return { refused: "action_not_allowed" };
    return this.operate(() => {
      this.cancelChildTasks();
      for (const step of this.steps.values()) this.changes.timersCleared.add(step.uuid);
      this.ready.clear();
      this.changes.taskClosed = true;
      this.moveTask(event, actionMetadata(action));
    });
  }

  private succeed(step: StepRuntime, result: unknown, metadata: Record<string, unknown> = {}): void {
    this.moveStep(step, "enqueue_for_orchestration", { attempt: step.attempts, ...metadata });
    if (step.type === "decision" || step.type === "batchable") {
      const plan = this.plan(step, result);
      if (!plan.ok) {
        this.rejectOutcome(step, INVALID_OUTCOME_CODES[step.type], plan.message);
        return;
      }
      const maxSteps = this.deps.maxSteps ?? DEFAULT_MAX_TASK_STEPS;
      if (this.steps.size + plan.steps.length > maxSteps) {
        // Checked before anything is created: the outcome is refused whole, never half applied.
        this.rejectOutcome(
          step,
          STEP_LIMIT_EXCEEDED,
          `this outcome would create ${plan.steps.length} steps in a task that holds ${this.steps.size}; a task may hold at most ${maxSteps}`,
        );
        return;
      }
      this.createSteps(step, plan.steps);
      if (step.type === "batchable") result = withoutCursorList(result, plan.steps.filter((p) => p.inputs !== null).length);
    }
    this.changes.results.set(step.uuid, result);
    this.moveStep(step, "complete", { attempt: step.attempts });
    this.changes.timersCleared.add(step.uuid);
    this.releaseChildren(step);
    this.evaluate("step_completed");
  }

  private fail(
    step: StepRuntime,
    failure: {
      message: string;
      error_code: string;
      error_type?: string | undefined;
      retryable: boolean;
      retryAfterMs?: number | undefined;
    },
  ): void {
    const now = this.changes.at;
    const error: StepError = {
      message: failure.message,
      error_code: failure.error_code,
      error_type: failure.error_type,
      retryable: failure.retryable,
      attempt: step.attempts,
      at: now,
    };
    this.changes.errors.set(step.uuid, error);
    this.changes.timersCleared.add(step.uuid);
    this.moveStep(step, "enqueue_as_error_for_orchestration", { attempt: step.attempts, error_code: error.error_code });
    const decision = decideRetry(
      step.retry,
      { attempts: step.attempts, retryable: failure.retryable, retryAfterMs: failure.retryAfterMs },
      this.deps.random,
    );
    if (decision.retry) {
      step.nextRetryAt = now + decision.delayMs;
      this.moveStep(step, "wait_for_retry", {
        delay_ms: decision.delayMs,
        next_retry_at: new Date(step.nextRetryAt).toISOString(),
      });
      this.armTimer("retry", step, step.nextRetryAt);
    } else {
      this.moveStep(step, "fail", { reason: decision.reason, error_code: error.error_code });
      this.afterPermanentFailure(step);
    }
    this.evaluate("step_failed");
  }

  /** A decision or batch outcome the engine cannot act on fails the step for good: rerunning returns the same. */
  private rejectOutcome(step: StepRuntime, errorCode: string, message: string): void {
    this.changes.errors.set(step.uuid, {
      message,
      error_code: errorCode,
      retryable: false,
      attempt: step.attempts,
      at: this.changes.at,
    });
    this.changes.timersCleared.add(step.uuid);
    this.moveStep(step, "fail", { error_code: errorCode });
    this.afterPermanentFailure(step);
    this.evaluate("step_failed");
  }

  /** A tolerated failure (continue_on_failure) settles the step for its dependents as a success would. */
  private afterPermanentFailure(step: StepRuntime): void {
    if (failureMode(step) === "tolerate") this.releaseChildren(step);
  }

  private hasReleasedChildren(step: StepRuntime): boolean {
    return step.state === "error" && failureMode(step) === "tolerate";
  }

  private plan(step: StepRuntime, result: unknown): Plan {
    if (!this.deps.template) throw new Error("the engine needs the task's template to expand a decision or batch");
    const template = this.deps.template();
    const existing = new Set(this.uuidByName.keys());
    return step.type === "decision"
      ? planDecision(template, step.name, result, existing)
      : planBatch(template, step.name, result, existing);
  }

  /** Adds planned steps as pending, wired to their parents; the creator releases them when it completes. */
  private createSteps(creator: StepRuntime, planned: PlannedStep[]): void {
    const now = this.changes.at;
    for (const plan of planned) {
      const uuid = this.deps.newId();
      const definition: StepDefinition = { ...plan.definition, name: plan.name, dependencies: plan.parents };
      const parents = plan.parents.map((name) => this.mustGet(this.uuidByName.get(name) ?? name));
      const step: StepRuntime = {
        uuid,
        name: plan.name,
        type: definition.type,
        runsAs: plan.inputs?.is_no_op ? "inline_noop" : runsAsFor(definition),
        batch: plan.inputs
          ? {
              group: creator.name,
              parallelism: plan.inputs.batch_metadata.parallelism,
              failureStrategy: plan.inputs.batch_metadata.failure_strategy,
            }
          : null,
        state: "pending",
        attempts: 0,
        retry: definition.retry,
        timeoutMs: definition.timeout_seconds * 1000,
        parents: parents.map((p) => p.uuid),
        children: [],
        remainingParents: parents.filter((p) => !this.satisfies(p)).length,
        dispatchId: null,
        nextRetryAt: null,
        wait: waitConfigOf(definition.handler),
      };
      for (const parent of parents) {
        parent.children.push(uuid);
        this.changes.createdEdges.push([parent.uuid, uuid]);
      }
      this.steps.set(uuid, step);
      this.uuidByName.set(plan.name, uuid);
      this.bump("pending", 1);
      this.changes.createdSteps.push({
        uuid,
        name: plan.name,
        position: this.steps.size - 1,
        definition,
        inputs: plan.inputs,
        remainingParents: step.remainingParents,
        createdBy: creator.name,
        at: now,
      });
      this.releaseIfReady(step);
    }
  }

  /** Whether a parent in this state lets its children run. */
  private satisfies(parent: StepRuntime): boolean {
    return parent.state === "complete" || parent.state === "resolved_manually" || this.hasReleasedChildren(parent);
  }

  /** Child tasks of steps still running are cancelled with their parent task. */
  private cancelChildTasks(): void {
    for (const step of this.steps.values()) {
      if (step.runsAs === "child_task" && step.state === "in_progress" && step.dispatchId) {
        this.changes.childCancels.push({ stepUuid: step.uuid, dispatchId: step.dispatchId });
      }
    }
  }

  /** Moves the task into evaluation from wherever it waits, then decides what happens next. */
  private evaluate(trigger: EvaluationTrigger): void {
    switch (this.state) {
      case "steps_in_process":
        this.moveTask(trigger, {});
        break;
      case "waiting_for_retry":
        if (trigger !== "retry_ready" && trigger !== "operator_action") return;
        this.moveTask(trigger, {});
        break;
      case "waiting_for_dependencies":
        this.moveTask(trigger === "operator_action" ? trigger : "dependencies_ready", {});
        break;
      case "blocked_by_failures":
        // A blocked task records what its in-flight steps report but starts nothing until an
        // operator has repaired every failed step.
        if (trigger !== "operator_action" || this.count("error") - this.softErrors.tolerate > 0) return;
        this.moveTask("resume", {});
        break;
      default:
        return;
    }
    this.decide("evaluating_results");
  }

  /** The decision after initialization or evaluation; a found ready set is dispatched at once. */
  private decide(from: "initializing" | "evaluating_results"): void {
    const event = this.nextTaskEvent(from);
    this.moveTask(event, event === "ready_steps_found" ? { ready_steps: this.ready.size } : {});
    if (event === "ready_steps_found") {
      this.dispatchReady();
      this.moveTask("steps_enqueued", {});
      // Each may evaluate the task again (and so dispatch and queue more): drained one at a time.
      for (let next = this.afterDispatch.shift(); next !== undefined; next = this.afterDispatch.shift()) next();
    }
  }

  /**
   * A sleep or wait-for-event step starts: no message, no handler. It moves to `in_progress` and
   * stays there with its timer (a sleep's wake-up, an event wait's timeout) until it wakes, its
   * event comes, it times out, or an operator completes it.
   */
  private startWait(step: StepRuntime): void {
    const dispatchId = step.dispatchId ?? "";
    step.attempts += 1;
    this.moveStep(step, "enqueue", { dispatch_id: dispatchId, wait: step.runsAs === "sleep" ? "sleep" : "event" });
    const start: WaitStart = this.deps.waitStart?.(step) ?? { ok: false, message: "this engine cannot resolve waits" };
    if (!start.ok) {
      this.moveStep(step, "start", { attempt: step.attempts });
      this.afterDispatch.push(() => {
        if (step.state !== "in_progress" || step.dispatchId !== dispatchId) return;
        this.fail(step, { message: start.message, error_code: "invalid_wait", retryable: false });
      });
      return;
    }
    const { plan } = start;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    this.moveStep(
      step,
      "start",
      plan.kind === "sleep"
        ? { attempt: step.attempts, sleeps_until: iso(plan.wakeAt) }
        : { attempt: step.attempts, waits_for_event: plan.event, match: plan.match, timeout_at: iso(plan.timeoutAt) },
    );
    this.changes.waitsStarted.push({ stepUuid: step.uuid, dispatchId, plan });
    const buffered = start.buffered;
    // A wait that takes a kept event ends in this operation: it arms no timer (cleared timers are
    // deleted before armed ones are written, so one armed and cleared here would outlive its wait).
    if (plan.kind === "sleep") this.armTimer("sleep_wake", step, plan.wakeAt);
    else if (plan.timeoutAt !== null && !buffered) this.armTimer("event_timeout", step, plan.timeoutAt);
    if (buffered) {
      this.changes.eventsConsumed.set(buffered.eventId, step.uuid);
      this.afterDispatch.push(() => {
        if (step.state !== "in_progress" || step.dispatchId !== dispatchId) return;
        this.succeed(step, buffered.payload, eventMetadata(buffered, true));
      });
    }
  }

  /** Tasker's priority order: failures block, then ready steps run, then completion, then waiting. */
  private nextTaskEvent(from: "initializing" | "evaluating_results"): TaskEvent {
    const total = this.steps.size;
    if (from === "initializing" && total === 0) return "no_steps_found";
    const { tolerate, isolate } = this.softErrors;
    if (this.count("error") - tolerate - isolate > 0) return "permanent_failure";
    if (this.ready.size > 0 && !this.paused) return "ready_steps_found";
    if (this.count("complete") + this.count("resolved_manually") + tolerate === total) return "all_steps_successful";
    if (from === "evaluating_results" && this.inFlight() > 0) return "steps_in_flight";
    if (from === "evaluating_results" && this.count("waiting_for_retry") > 0) return "retry_backoff_started";
    // Ready steps held by a pause can still make progress once resumed: the task waits, not blocks.
    if (this.ready.size > 0) return "no_dependencies_ready";
    // Isolated failures block the task only once nothing else can make progress.
    if (isolate > 0) return "permanent_failure";
    return "no_dependencies_ready";
  }

  /** Dispatches every ready step; steps completed inline may make more ready, which this same pass picks up. */
  private dispatchReady(): void {
    if (this.paused) throw new Error(`task ${this.taskUuid} is paused: nothing may be dispatched`);
    const now = this.changes.at;
    for (const uuid of this.ready) {
      const step = this.mustGet(uuid);
      step.dispatchId = this.deps.newId();
      if (step.runsAs === "child_task") {
        step.attempts += 1;
        this.moveStep(step, "enqueue", { dispatch_id: step.dispatchId, child_task: true });
        this.moveStep(step, "start", { dispatch_id: step.dispatchId, attempt: step.attempts });
        this.changes.childStarts.push({ stepUuid: uuid, dispatchId: step.dispatchId });
        continue;
      }
      if (step.runsAs === "sleep" || step.runsAs === "event_wait") {
        this.startWait(step);
        continue;
      }
      if (step.runsAs === "inline_noop") {
        step.attempts += 1;
        this.moveStep(step, "enqueue", { dispatch_id: step.dispatchId, no_op: true });
        this.moveStep(step, "start", { attempt: step.attempts });
        this.moveStep(step, "enqueue_for_orchestration", { attempt: step.attempts });
        this.changes.results.set(uuid, { is_no_op: true });
        this.moveStep(step, "complete", { no_op: true });
        this.releaseChildren(step);
        continue;
      }
      const eager = this.eagerBudget > 0;
      if (eager) this.eagerBudget -= 1;
      this.moveStep(step, "enqueue", eager ? { dispatch_id: step.dispatchId, eager: true } : { dispatch_id: step.dispatchId });
      if (eager && this.claimEager !== null) {
        // Claimed as `claim` would, in this same operation: the caller runs it without a claim RPC,
        // and its deadline, not a claim timeout, recovers it if the caller never reports.
        step.attempts += 1;
        const metadata = { dispatch_id: step.dispatchId, attempt: step.attempts, eager: true, handed_by: this.claimEager };
        this.moveStep(step, "start", metadata);
        this.changes.dispatches.push({
          stepUuid: uuid,
          dispatchId: step.dispatchId,
          attempt: step.attempts,
          eager,
          claimed: true,
        });
        this.armTimer("deadline", step, now + step.timeoutMs + DEADLINE_GRACE_MS);
        continue;
      }
      this.changes.dispatches.push({ stepUuid: uuid, dispatchId: step.dispatchId, attempt: step.attempts + 1, eager });
      if (eager) this.armTimer("eager_claim_timeout", step, now + EAGER_CLAIM_TIMEOUT_MS);
      else this.armTimer("claim_timeout", step, now + firstClaimTimeoutMs(this.count("enqueued")));
    }
    this.ready.clear();
  }

  private releaseChildren(parent: StepRuntime): void {
    for (const childUuid of parent.children) {
      const child = this.mustGet(childUuid);
      child.remainingParents -= 1;
      this.changes.touchedSteps.add(childUuid);
      this.releaseIfReady(child);
    }
  }

  /** Makes a step ready once its parents allow; a batch worker beyond its batch's parallelism waits for a slot. */
  private releaseIfReady(step: StepRuntime): void {
    if (!this.isReady(step) || this.ready.has(step.uuid)) return;
    const group = this.groupOf(step);
    if (group) {
      if (group.used >= group.limit) {
        group.held.push(step.uuid);
        return;
      }
      group.used += 1;
    }
    this.ready.add(step.uuid);
  }

  /** A batch slot came free: the longest-waiting held worker that is still ready takes it. */
  private admitHeld(group: BatchGroup): void {
    while (group.used < group.limit && group.heldHead < group.held.length) {
      const uuid = group.held[group.heldHead] as string;
      group.heldHead += 1;
      const step = this.mustGet(uuid);
      if (!this.isReady(step) || this.ready.has(uuid)) continue;
      group.used += 1;
      this.ready.add(uuid);
    }
    if (group.heldHead === group.held.length) {
      group.held.length = 0;
      group.heldHead = 0;
    }
  }

  private groupOf(step: StepRuntime): BatchGroup | undefined {
    const batch = step.batch;
    if (!batch) return undefined;
    let group = this.groups.get(batch.group);
    if (!group) {
      group = { limit: batch.parallelism, used: 0, held: [], heldHead: 0 };
      this.groups.set(batch.group, group);
    }
    return group;
  }

  private countSoftError(step: StepRuntime, state: StepState, by: number): void {
    if (state !== "error") return;
    const mode = failureMode(step);
    if (mode !== "block") this.softErrors[mode] += by;
  }

  private isReady(step: StepRuntime): boolean {
    return step.state === "pending" && step.remainingParents === 0;
  }

  private inFlight(): number {
    let n = 0;
    for (const state of IN_FLIGHT_STEP_STATES) n += this.count(state);
    return n;
  }

  private count(state: StepState): number {
    return this.counts.get(state) ?? 0;
  }

  private bump(state: StepState, by: number): void {
    this.counts.set(state, this.count(state) + by);
  }

  private moveTask(event: TaskEvent, metadata: Record<string, unknown>): void {
    const from = this.state;
    this.state = nextTaskState(from, event);
    if (isTerminalTaskState(this.state)) this.paused = false;
    this.changes.taskTransitions.push({ from, to: this.state, event, at: this.changes.at, metadata });
  }

  private moveStep(step: StepRuntime, event: StepEvent, metadata: Record<string, unknown>): void {
    const from = step.state;
    const to = nextStepState(from, event);
    this.bump(from, -1);
    this.bump(to, 1);
    this.countSoftError(step, from, -1);
    this.countSoftError(step, to, 1);
    step.state = to;
    const group = this.groupOf(step);
    if (group) {
      const held = IN_FLIGHT_STEP_STATES.has(from) || (from === "pending" && this.ready.has(step.uuid));
      if (held && !IN_FLIGHT_STEP_STATES.has(to)) {
        group.used -= 1;
        this.admitHeld(group);
      }
    }
    if (to !== "pending") this.ready.delete(step.uuid);
    this.changes.touchedSteps.add(step.uuid);
    this.changes.stepTransitions.push({ stepUuid: step.uuid, from, to, event, at: this.changes.at, metadata });
  }

  private armTimer(kind: TimerKind, step: StepRuntime, dueAt: number): void {
    this.changes.timersArmed.push({ kind, stepUuid: step.uuid, dispatchId: step.dispatchId, dueAt });
  }

  private mustGet(uuid: string): StepRuntime {
    const step = this.steps.get(uuid);
    if (!step) throw new Error(`step ${uuid} is not part of task ${this.taskUuid}`);
    return step;
  }

  /**
   * Runs one operation with a fresh change set; `now` is its only clock reading (the object may pass
   * the one it writes with). On a throw the caller must discard this instance.
   */
  private operate(body: () => void, now: number = this.deps.now()): Changes {
    this.changes = new Changes(now);
    try {
      body();
    } finally {
      this.eagerBudget = 0;
      this.claimEager = null;
      this.afterDispatch.length = 0;
    }
    return this.changes;
  }
}
