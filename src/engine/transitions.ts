// Transition tables for both state machines: every state change in the engine goes through them.
import type { StepState, TaskState } from "./states";

export type TaskEvent =
  | "start"
  | "ready_steps_found"
  | "no_steps_found"
  | "no_dependencies_ready"
  | "steps_enqueued"
  | "enqueue_failed"
  | "step_completed"
  | "step_failed"
  | "retry_ready"
  | "all_steps_successful"
  | "steps_in_flight"
  | "retry_backoff_started"
  | "permanent_failure"
  | "dependencies_ready"
  | "operator_action"
  | "resume"
  | "give_up"
  | "manual_resolution"
  | "cancel"
  | "pause"
  | "unpause";

export type StepEvent =
  | "enqueue"
  | "start"
  | "enqueue_for_orchestration"
  | "enqueue_as_error_for_orchestration"
  | "complete"
  | "fail"
  | "wait_for_retry"
  | "retry"
  | "reset_for_retry"
  | "resolve_manually"
  | "complete_manually"
  | "cancel";

interface Row<S, E> {
  from: readonly S[];
  event: E;
  to: S;
}

const TASK_NON_TERMINAL: readonly TaskState[] = [
  "pending",
  "initializing",
  "enqueuing_steps",
  "steps_in_process",
  "evaluating_results",
  "waiting_for_dependencies",
  "waiting_for_retry",
  "blocked_by_failures",
];

/**
 * Tasker's task table (reference §1.3) with its gaps closed: `retry_backoff_started` makes
 * `waiting_for_retry` real, `steps_in_flight` returns from evaluation while handlers run, and
 * `resume` lets a blocked task continue after an operator repaired its failed step, and
 * `operator_action` re-evaluates a running task after an operator changed one of its steps.
 */
export const TASK_TRANSITIONS: readonly Row<TaskState, TaskEvent>[] = [
  { from: ["pending"], event: "start", to: "initializing" },
  { from: ["initializing", "evaluating_results"], event: "ready_steps_found", to: "enqueuing_steps" },
  { from: ["initializing"], event: "no_steps_found", to: "complete" },
  { from: ["initializing", "evaluating_results"], event: "no_dependencies_ready", to: "waiting_for_dependencies" },
  { from: ["enqueuing_steps"], event: "steps_enqueued", to: "steps_in_process" },
  { from: ["enqueuing_steps"], event: "enqueue_failed", to: "error" },
  { from: ["steps_in_process"], event: "step_completed", to: "evaluating_results" },
  { from: ["steps_in_process"], event: "step_failed", to: "evaluating_results" },
  { from: ["steps_in_process", "waiting_for_retry"], event: "retry_ready", to: "evaluating_results" },
  {
    from: ["steps_in_process", "waiting_for_retry", "waiting_for_dependencies"],
    event: "operator_action",
    to: "evaluating_results",
  },
  { from: ["evaluating_results"], event: "all_steps_successful", to: "complete" },
  { from: ["evaluating_results"], event: "steps_in_flight", to: "steps_in_process" },
  { from: ["evaluating_results"], event: "retry_backoff_started", to: "waiting_for_retry" },
  { from: ["evaluating_results"], event: "permanent_failure", to: "blocked_by_failures" },
  { from: ["waiting_for_dependencies"], event: "dependencies_ready", to: "evaluating_results" },
  { from: ["blocked_by_failures"], event: "resume", to: "evaluating_results" },
  { from: ["blocked_by_failures"], event: "give_up", to: "error" },
  { from: ["blocked_by_failures"], event: "manual_resolution", to: "resolved_manually" },
  { from: TASK_NON_TERMINAL, event: "cancel", to: "cancelled" },
  // Pausing and resuming (`unpause`: `resume` already names a blocked task continuing after repair)
  // leave the state as it is: a pause is a flag on the task, recorded in its log with who and why.
  ...TASK_NON_TERMINAL.flatMap((state) => [
    { from: [state], event: "pause" as const, to: state },
    { from: [state], event: "unpause" as const, to: state },
  ]),
];

const STEP_UNFINISHED: readonly StepState[] = [
  "pending",
  "enqueued",
  "in_progress",
  "enqueued_for_orchestration",
  "enqueued_as_error_for_orchestration",
  "waiting_for_retry",
  "error",
];

/**
 * Tasker's step table (reference §2.3), without its legacy shortcuts, and with operator actions
 * refused on a step that already completed (Tasker accepted `resolve_manually` from any state).
 */
export const STEP_TRANSITIONS: readonly Row<StepState, StepEvent>[] = [
  { from: ["pending"], event: "enqueue", to: "enqueued" },
  { from: ["enqueued"], event: "start", to: "in_progress" },
  { from: ["in_progress"], event: "enqueue_for_orchestration", to: "enqueued_for_orchestration" },
  { from: ["in_progress"], event: "enqueue_as_error_for_orchestration", to: "enqueued_as_error_for_orchestration" },
  { from: ["enqueued_for_orchestration"], event: "complete", to: "complete" },
  { from: ["enqueued_for_orchestration", "enqueued_as_error_for_orchestration", "enqueued"], event: "fail", to: "error" },
  { from: ["enqueued_as_error_for_orchestration"], event: "wait_for_retry", to: "waiting_for_retry" },
  { from: ["waiting_for_retry"], event: "retry", to: "pending" },
  { from: ["error"], event: "reset_for_retry", to: "pending" },
  { from: STEP_UNFINISHED, event: "resolve_manually", to: "resolved_manually" },
  { from: STEP_UNFINISHED, event: "complete_manually", to: "complete" },
  { from: STEP_UNFINISHED, event: "cancel", to: "cancelled" },
];

function index<S extends string, E extends string>(rows: readonly Row<S, E>[]): Map<string, S> {
  const byKey = new Map<string, S>();
  for (const row of rows) for (const from of row.from) byKey.set(`${from}|${row.event}`, row.to);
  return byKey;
}

const TASK_INDEX = index(TASK_TRANSITIONS);
const STEP_INDEX = index(STEP_TRANSITIONS);

/** Thrown when code asks for a transition the tables do not allow: always a bug, never user input. */
export class IllegalTransitionError extends Error {
  readonly code = "illegal_transition";
  constructor(machine: "task" | "step", from: string, event: string) {
    super(`illegal ${machine} transition: ${event} from ${from}`);
    this.name = "IllegalTransitionError";
  }
}

export function nextTaskState(from: TaskState, event: TaskEvent): TaskState {
  const to = TASK_INDEX.get(`${from}|${event}`);
  if (to === undefined) throw new IllegalTransitionError("task", from, event);
  return to;
}

export function nextStepState(from: StepState, event: StepEvent): StepState {
  const to = STEP_INDEX.get(`${from}|${event}`);
  if (to === undefined) throw new IllegalTransitionError("step", from, event);
  return to;
}

export function canTransitionStep(from: StepState, event: StepEvent): boolean {
  return STEP_INDEX.has(`${from}|${event}`);
}

export function canTransitionTask(from: TaskState, event: TaskEvent): boolean {
  return TASK_INDEX.has(`${from}|${event}`);
}
