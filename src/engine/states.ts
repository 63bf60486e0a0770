// The 12 task states and 10 step states, and the groups the engine reasons with.

export const TASK_STATES = [
  "pending",
  "initializing",
  "enqueuing_steps",
  "steps_in_process",
  "evaluating_results",
  "waiting_for_dependencies",
  "waiting_for_retry",
  "blocked_by_failures",
  "complete",
  "error",
  "cancelled",
  "resolved_manually",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set(["complete", "error", "cancelled", "resolved_manually"]);

export const STEP_STATES = [
  "pending",
  "enqueued",
  "in_progress",
  "enqueued_for_orchestration",
  "enqueued_as_error_for_orchestration",
  "waiting_for_retry",
  "complete",
  "error",
  "cancelled",
  "resolved_manually",
] as const;
export type StepState = (typeof STEP_STATES)[number];

/** Step states a step never leaves on its own (an `error` step can still be reset by an operator). */
export const FINISHED_STEP_STATES: ReadonlySet<StepState> = new Set(["complete", "error", "cancelled", "resolved_manually"]);

/** Step states that let a child run. */
export const DEPENDENCY_SATISFYING_STATES: ReadonlySet<StepState> = new Set(["complete", "resolved_manually"]);

/** Step states in which a handler Worker holds (or is about to hold) the step. */
export const IN_FLIGHT_STEP_STATES: ReadonlySet<StepState> = new Set([
  "enqueued",
  "in_progress",
  "enqueued_for_orchestration",
  "enqueued_as_error_for_orchestration",
]);

export function isTerminalTaskState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}
