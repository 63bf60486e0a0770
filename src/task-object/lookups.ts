// The object's read answers: the task view, a page of steps, one step, a step's audit, the task's transitions.
import type { StepState } from "../engine/states";
import type { TaskRun } from "../engine/task-run";
import type { ReadQueries } from "./read-queries";
import { type StepView, stepView, type TaskView, type TransitionView, taskView, transitionView } from "./views";

export type StepPage = { total: number; steps: StepView[] };
export type StepLookup = { task: false } | { task: true; step: StepView | null };
export type AuditLookup = { task: false } | { task: true; transitions: TransitionView[] | null };

/** The task's view; `run`, when loaded, keeps the step counts current (counting rows would scan every step). */
export function taskViewOf(reads: ReadQueries, run: TaskRun | undefined): TaskView | null {
  const task = reads.task();
  if (!task) return null;
  const counts = run ? new Map(Object.entries(run.stepCounts()) as [StepState, number][]) : reads.stepCounts();
  return taskView(task, counts, reads.childTasks());
}

/** One page of the task's steps in creation order, with the total; null when there is no task. */
export function stepPage(reads: ReadQueries, offset: number, limit: number): StepPage | null {
  const task = reads.task();
  if (!task) return null;
  const rows = reads.steps(offset, limit);
  const parents = reads.parentsOf(rows.map((row) => row.step_uuid));
  return {
    total: reads.stepTotal(),
    steps: rows.map((row) => stepView(task.task_uuid, row, parents.get(row.step_uuid) ?? [])),
  };
}

/** One step, read on its own: the step and its parents, not the whole task. */
export function stepLookup(reads: ReadQueries, stepUuid: string): StepLookup {
  const task = reads.task();
  if (!task) return { task: false };
  const row = reads.step(stepUuid);
  if (!row) return { task: true, step: null };
  return { task: true, step: stepView(task.task_uuid, row, reads.parentsOf([stepUuid]).get(stepUuid) ?? []) };
}

export function auditLookup(reads: ReadQueries, stepUuid: string): AuditLookup {
  if (!reads.task()) return { task: false };
  if (!reads.step(stepUuid)) return { task: true, transitions: null };
  return { task: true, transitions: reads.stepTransitions(stepUuid).map(transitionView) };
}

export function taskTransitionsOf(reads: ReadQueries): TransitionView[] | null {
  if (!reads.task()) return null;
  return reads.taskTransitions().map(transitionView);
}
