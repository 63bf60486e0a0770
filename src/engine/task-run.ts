// The pure task engine: one task's steps in memory, every decision made here, changes reported out.

import type { RetrySettings } from "../templates/types";
import type { StepOutcome } from "./protocol";
import { decideRetry } from "./retry";
import { IN_FLIGHT_STEP_STATES, isTerminalTaskState, STEP_STATES, type StepState, type TaskState } from "./states";
import {
  canTransitionStep,
  canTransitionTask,
  nextStepState,
  nextTaskState,
  type StepEvent,
  type TaskEvent,
} from "./transitions";

/** How long a dispatched message may wait for its claim before the object sends it again. */
export const CLAIM_TIMEOUT_MS = 60_000;
/** How long an eager dispatch (handed to the reporting consumer, not queued) waits before it is queued after all. */
export const EAGER_CLAIM_TIMEOUT_MS = 10_000;
/** Extra time past a step's timeout before the object stops waiting for its report. */
export const DEADLINE_GRACE_MS = 5_000;

export interface EngineDeps {
  now(): number;
  newId(): string;
  random(): number;
}

export interface StepError {
  message: string;
  error_code: string;
  error_type?: string | undefined;
  retryable: boolean;
  attempt: number;
  at: number;
}

/** The engine's view of one step: only what decisions need (results live in storage). */
export interface StepRuntime {
  uuid: string;
  name: string;
  state: StepState;
  attempts: number;
  retry: RetrySettings;
  timeoutMs: number;
  parents: string[];
  children: string[];
  remainingParents: number;
  dispatchId: string | null;
  nextRetryAt: number | null;
}

export type TimerKind = "retry" | "deadline" | "claim_timeout";

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

export interface Dispatch {
  stepUuid: string;
  dispatchId: string;
  attempt: number;
  /** Handed to the consumer that reported the parent instead of being queued; queued only if unclaimed. */
  eager: boolean;
}

/** Everything one engine operation changed, for the object to write in one transaction. */
export class Changes {
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
  /** Set when an action closed the whole task: its unsent messages and all its timers are void. */
  taskClosed = false;

  get isEmpty(): boolean {
    return this.taskTransitions.length === 0 && this.stepTransitions.length === 0 && this.dispatches.length === 0;
  }
}

/** Why a claim, report, timer or action was not applied; the caller treats each as a no-op. */
export type Refusal = "unknown_step" | "stale_dispatch" | "task_finished" | "action_not_allowed";

/** An operator's repair of one step (Tasker's `StepManualAction`). */
export type StepAction =
  | { action_type: "reset_for_retry"; performed_by: string; reason: string }
  | { action_type: "resolve_manually"; performed_by: string; reason: string }
  | { action_type: "complete_manually"; performed_by: string; reason: string; result: unknown };

/** An operator's decision about a blocked task as a whole. */
export type TaskAction = { action_type: "give_up" | "resolve_manually"; performed_by: string; reason: string };

type EvaluationTrigger = "step_completed" | "step_failed" | "retry_ready" | "operator_action";

export class TaskRun {
  readonly steps = new Map<string, StepRuntime>();
  private readonly ready = new Set<string>();
  private readonly counts = new Map<StepState, number>(STEP_STATES.map((s) => [s, 0]));
  private changes = new Changes();
  /** Eager dispatches the current operation may still hand out (set by `report`, zero otherwise). */
  private eagerBudget = 0;

  constructor(
    readonly taskUuid: string,
    public state: TaskState,
    steps: Iterable<StepRuntime>,
    private readonly deps: EngineDeps,
  ) {
    for (const step of steps) {
      this.steps.set(step.uuid, step);
      this.bump(step.state, 1);
      if (this.isReady(step)) this.ready.add(step.uuid);
    }
  }

  /** Number of steps in each state. */
  stepCounts(): Record<StepState, number> {
    return Object.fromEntries(this.counts) as Record<StepState, number>;
  }

  readyStepUuids(): string[] {
    return [...this.ready];
  }

  /** Starts a freshly created task: `pending → initializing`, then the first round of dispatch. */
  start(): Changes {
    return this.operate(() => {
      this.moveTask("start", {});
      this.decide("initializing");
    });
  }

  /** A handler Worker claims a dispatched step. Returns the attempt number, or why it was refused. */
  claim(stepUuid: string, dispatchId: string): { changes: Changes; attempt: number } | { refused: Refusal } {
    const step = this.steps.get(stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (isTerminalTaskState(this.state)) return { refused: "task_finished" };
    if (step.state !== "enqueued" || step.dispatchId !== dispatchId) return { refused: "stale_dispatch" };
    const changes = this.operate(() => {
      step.attempts += 1;
      this.moveStep(step, "start", { dispatch_id: dispatchId, attempt: step.attempts });
      this.changes.timersCleared.add(step.uuid);
      this.armTimer("deadline", step, this.deps.now() + step.timeoutMs + DEADLINE_GRACE_MS);
    });
    return { changes, attempt: step.attempts };
  }

  /**
   * A handler Worker reports the outcome of the attempt it claimed. Stale reports change nothing.
   * Up to `eagerLimit` of the steps this makes ready are dispatched eagerly: the reporter runs them
   * next, skipping the queue hop; a short claim timeout queues any it does not claim.
   */
  report(stepUuid: string, dispatchId: string, outcome: StepOutcome, eagerLimit = 0): Changes | { refused: Refusal } {
    const step = this.steps.get(stepUuid);
    if (!step) return { refused: "unknown_step" };
    if (step.state !== "in_progress" || step.dispatchId !== dispatchId) return { refused: "stale_dispatch" };
    this.eagerBudget = eagerLimit;
    return this.operate(() => {
      if (outcome.success) this.succeed(step, outcome.result);
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
        if (step.state !== "enqueued" || step.dispatchId !== timer.dispatchId) return { refused: "stale_dispatch" };
        // Lost or delayed message: send the same dispatch again; only one claim of it can win.
        return this.operate(() => {
          this.changes.dispatches.push({
            stepUuid: step.uuid,
            dispatchId: timer.dispatchId ?? "",
            attempt: step.attempts + 1,
            eager: false,
          });
          this.armTimer("claim_timeout", step, this.deps.now() + CLAIM_TIMEOUT_MS);
        });
    }
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
        at: this.deps.now(),
      });
      this.changes.timersCleared.add(step.uuid);
      this.moveStep(step, "fail", { error_code: "dead_lettered", dispatch_id: dispatchId });
      this.evaluate("step_failed");
    });
  }

  /** Cancels the task and every unfinished step in one operation. */
  cancel(reason: Record<string, unknown>): Changes {
    return this.operate(() => {
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
    return this.operate(() => {
      const metadata = { performed_by: action.performed_by, reason: action.reason };
      this.moveStep(step, action.action_type, metadata);
      step.nextRetryAt = null;
      this.changes.timersCleared.add(step.uuid);
      switch (action.action_type) {
        case "reset_for_retry":
          step.attempts = 0;
          this.releaseIfReady(step);
          break;
        case "complete_manually":
          this.changes.results.set(step.uuid, action.result);
          this.releaseChildren(step);
          break;
        case "resolve_manually":
          this.releaseChildren(step);
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
      for (const step of this.steps.values()) this.changes.timersCleared.add(step.uuid);
      this.ready.clear();
      this.changes.taskClosed = true;
      this.moveTask(event, { performed_by: action.performed_by, reason: action.reason });
    });
  }

  private succeed(step: StepRuntime, result: unknown): void {
    this.moveStep(step, "enqueue_for_orchestration", { attempt: step.attempts });
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
    const now = this.deps.now();
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
    }
    this.evaluate("step_failed");
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
        if (trigger !== "operator_action" || this.count("error") > 0) return;
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
    }
  }

  /** Tasker's priority order: failures block, then ready steps run, then completion, then waiting. */
  private nextTaskEvent(from: "initializing" | "evaluating_results"): TaskEvent {
    const total = this.steps.size;
    if (from === "initializing" && total === 0) return "no_steps_found";
    if (this.count("error") > 0) return "permanent_failure";
    if (this.ready.size > 0) return "ready_steps_found";
    if (this.count("complete") + this.count("resolved_manually") === total) return "all_steps_successful";
    if (from === "evaluating_results" && this.inFlight() > 0) return "steps_in_flight";
    if (from === "evaluating_results" && this.count("waiting_for_retry") > 0) return "retry_backoff_started";
    return "no_dependencies_ready";
  }

  private dispatchReady(): void {
    const now = this.deps.now();
    for (const uuid of this.ready) {
      const step = this.mustGet(uuid);
      step.dispatchId = this.deps.newId();
      const eager = this.eagerBudget > 0;
      if (eager) this.eagerBudget -= 1;
      this.moveStep(step, "enqueue", eager ? { dispatch_id: step.dispatchId, eager: true } : { dispatch_id: step.dispatchId });
      this.changes.dispatches.push({ stepUuid: uuid, dispatchId: step.dispatchId, attempt: step.attempts + 1, eager });
      this.armTimer("claim_timeout", step, now + (eager ? EAGER_CLAIM_TIMEOUT_MS : CLAIM_TIMEOUT_MS));
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

  private releaseIfReady(step: StepRuntime): void {
    if (this.isReady(step)) this.ready.add(step.uuid);
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
    this.changes.taskTransitions.push({ from, to: this.state, event, at: this.deps.now(), metadata });
  }

  private moveStep(step: StepRuntime, event: StepEvent, metadata: Record<string, unknown>): void {
    const from = step.state;
    const to = nextStepState(from, event);
    this.bump(from, -1);
    this.bump(to, 1);
    step.state = to;
    if (to !== "pending") this.ready.delete(step.uuid);
    this.changes.touchedSteps.add(step.uuid);
    this.changes.stepTransitions.push({ stepUuid: step.uuid, from, to, event, at: this.deps.now(), metadata });
  }

  private armTimer(kind: TimerKind, step: StepRuntime, dueAt: number): void {
    this.changes.timersArmed.push({ kind, stepUuid: step.uuid, dispatchId: step.dispatchId, dueAt });
  }

  private mustGet(uuid: string): StepRuntime {
    const step = this.steps.get(uuid);
    if (!step) throw new Error(`step ${uuid} is not part of task ${this.taskUuid}`);
    return step;
  }

  /** Runs one operation with a fresh change set. On a throw the caller must discard this instance. */
  private operate(body: () => void): Changes {
    this.changes = new Changes();
    try {
      body();
    } finally {
      this.eagerBudget = 0;
    }
    return this.changes;
  }
}
