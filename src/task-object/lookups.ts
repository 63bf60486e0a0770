// The object's read answers: the task view, a page of steps, one step, a step's audit, the task's transitions.
import type { StepState } from "../engine/states";
import type { TaskRun } from "../engine/task-run";
import type { ReadQueries } from "./read-queries";
import { ok, type RpcResult, refused } from "./rpc-result";
import { type StepView, stepView, type TaskView, type TransitionView, taskView, transitionView } from "./views";
import type { WaitStore } from "./wait-store";

export type StepPage = { total: number; steps: StepView[] };

/** The task's view; `run`, when loaded, keeps the step counts current (counting rows would scan every step). */
export function taskViewOf(reads: ReadQueries, run: TaskRun | undefined): TaskView | null {
  const task = reads.task();
  if (!task) return null;
  const counts = run ? new Map(Object.entries(run.stepCounts()) as [StepState, number][]) : reads.stepCounts();
  return taskView(task, counts, reads.childTasks());
}

/** One page of the task's steps in creation order, with the total. */
export function stepPage(reads: ReadQueries, waits: WaitStore, taskUuid: string, offset: number, limit: number): StepPage {
  const rows = reads.steps(offset, limit);
  const parents = reads.parentsOf(rows.map((row) => row.step_uuid));
  const waiting = waits.viewsOf(rows.filter((row) => row.state === "in_progress").map((row) => row.step_uuid));
  return {
    total: reads.stepTotal(),
    steps: rows.map((row) => stepView(taskUuid, row, parents.get(row.step_uuid) ?? [], waiting.get(row.step_uuid) ?? null)),
  };
}

const stepNotFound = (stepUuid: string) => refused("step_not_found", `step ${stepUuid} not found`);

/** One step, read on its own: the step and its parents, not the whole task. */
export function stepLookup(
  reads: ReadQueries,
  waits: WaitStore,
  taskUuid: string,
  stepUuid: string,
): RpcResult<StepView, "step_not_found"> {
  const row = reads.step(stepUuid);
  if (!row) return stepNotFound(stepUuid);
  const waiting = row.state === "in_progress" ? (waits.viewsOf([stepUuid]).get(stepUuid) ?? null) : null;
  return ok(stepView(taskUuid, row, reads.parentsOf([stepUuid]).get(stepUuid) ?? [], waiting));
}

export function stepAudit(reads: ReadQueries, stepUuid: string): RpcResult<TransitionView[], "step_not_found"> {
  if (!reads.step(stepUuid)) return stepNotFound(stepUuid);
  return ok(reads.stepTransitions(stepUuid).map(transitionView));
}

export function taskTransitionsOf(reads: ReadQueries): TransitionView[] {
  return reads.taskTransitions().map(transitionView);
}
