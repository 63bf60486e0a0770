// Shapes stored rows into the task, step and audit views the API returns (snake_case, ISO times).
import type { z } from "zod";
import type {
  ChildTaskLinkSchema,
  ExecutionStatus,
  StepErrorSchema,
  StepViewSchema,
  TaskViewSchema,
  TransitionViewSchema,
} from "../contract/responses";
import { DEPENDENCY_SATISFYING_STATES, IN_FLIGHT_STEP_STATES, type StepState, type TaskState } from "../engine/states";
import type { Actor, PauseRecord } from "../engine/task-run";
import type { StepDefinition } from "../templates/types";
import type { ParentRef, StepRow, TaskRow, TransitionRow } from "./rows";
import type { WaitView } from "./wait-store";

/** The views as the API's contract describes them (src/contract/responses.ts). */
export type TaskView = z.output<typeof TaskViewSchema>;
export type ChildTaskLink = z.output<typeof ChildTaskLinkSchema>;
export type StepError = z.output<typeof StepErrorSchema>;
export type StepView = z.output<typeof StepViewSchema>;
export type TransitionView = z.output<typeof TransitionViewSchema>;

function iso(ms: number): string;
function iso(ms: number | null): string | null;
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Tasker's execution status, derived from step counts in its priority order. */
function executionStatus(task: TaskState, counts: Map<StepState, number>, total: number): ExecutionStatus {
  const n = (s: StepState) => counts.get(s) ?? 0;
  if (task === "cancelled" || task === "resolved_manually") return task;
  if (task === "complete") return "all_complete";
  if (n("error") > 0) return "blocked_by_failures";
  let inFlight = 0;
  for (const s of IN_FLIGHT_STEP_STATES) inFlight += n(s);
  if (inFlight > 0) return "processing";
  if (n("complete") + n("resolved_manually") === total) return "all_complete";
  if (n("waiting_for_retry") > 0) return "waiting_for_retry";
  return "waiting_for_dependencies";
}

export function taskView(task: TaskRow, counts: Map<StepState, number>, childTasks: ChildTaskLink[] = []): TaskView {
  const n = (s: StepState) => counts.get(s) ?? 0;
  let total = 0;
  for (const c of counts.values()) total += c;
  const completed = n("complete") + n("resolved_manually");
  return {
    task_uuid: task.task_uuid,
    name: task.name,
    namespace: task.namespace,
    version: task.version,
    status: task.state,
    context: JSON.parse(task.context),
    initiator: task.initiator,
    source_system: task.source_system,
    reason: task.reason,
    priority: task.priority,
    tags: JSON.parse(task.tags),
    correlation_id: task.correlation_id,
    parent_correlation_id: task.parent_correlation_id,
    created_at: iso(task.created_at),
    updated_at: iso(task.updated_at),
    completed_at: iso(task.completed_at),
    total_steps: total,
    pending_steps: n("pending"),
    in_progress_steps:
      n("enqueued") + n("in_progress") + n("enqueued_for_orchestration") + n("enqueued_as_error_for_orchestration"),
    completed_steps: completed,
    failed_steps: n("error"),
    waiting_for_retry_steps: n("waiting_for_retry"),
    cancelled_steps: n("cancelled"),
    completion_percentage: total === 0 ? 100 : Math.round((completed / total) * 1000) / 10,
    execution_status: executionStatus(task.state, counts, total),
    parent_task_uuid: task.parent_task_uuid,
    parent_step_uuid: task.parent_step_uuid,
    parent_step_name: task.parent_step_name,
    child_tasks: childTasks,
    created_by: task.created_by,
    paused: pauseView(task.pause),
    purge_at: iso(task.purge_at),
  };
}

function pauseView(stored: string | null): TaskView["paused"] {
  if (stored === null) return null;
  const pause = JSON.parse(stored) as PauseRecord;
  return {
    paused_at: iso(pause.at),
    performed_by: pause.performed_by,
    reason: pause.reason,
    actor: isActor(pause.actor) ? { name: pause.actor.name, via: pause.actor.via } : null,
  };
}

export function stepView(taskUuid: string, row: StepRow, parents: ParentRef[], waiting: WaitView | null = null): StepView {
  const definition = JSON.parse(row.definition) as StepDefinition;
  const completedParents = parents.filter((p) => DEPENDENCY_SATISFYING_STATES.has(p.state)).length;
  const lastError = row.last_error === null ? null : (JSON.parse(row.last_error) as Omit<StepError, "at"> & { at: number });
  return {
    step_uuid: row.step_uuid,
    task_uuid: taskUuid,
    name: row.name,
    type: row.type,
    callable: definition.handler.callable,
    current_state: row.state,
    dependencies: parents.map((p) => p.name),
    dependencies_satisfied: completedParents === parents.length,
    total_parents: parents.length,
    completed_parents: completedParents,
    attempts: row.attempts,
    max_attempts: definition.retry.max_attempts,
    retryable: definition.retry.retryable,
    timeout_seconds: definition.timeout_seconds,
    results: row.results === null ? null : JSON.parse(row.results),
    last_error: lastError === null ? null : { ...lastError, at: iso(lastError.at) },
    next_retry_at: iso(row.next_retry_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    last_attempted_at: iso(row.last_attempted_at),
    completed_at: iso(row.completed_at),
    inputs: row.inputs === null ? null : JSON.parse(row.inputs),
    child_task_uuid: row.child_task_uuid,
    waiting,
  };
}

function isActor(value: unknown): value is Actor {
  const actor = value as Partial<Actor> | null;
  return typeof actor === "object" && actor !== null && typeof actor.name === "string" && typeof actor.via === "string";
}

export function transitionView(row: TransitionRow): TransitionView {
  const { actor, ...metadata } = JSON.parse(row.metadata) as Record<string, unknown>;
  return {
    from_state: row.from_state,
    to_state: row.to_state,
    event: row.event,
    recorded_at: iso(row.recorded_at),
    actor: isActor(actor) ? { name: actor.name, via: actor.via } : null,
    metadata,
  };
}
