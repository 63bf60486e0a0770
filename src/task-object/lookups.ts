// The object's read answers: the task view, a page of steps, one step, a step's audit, the task's transitions.
import type { StepState } from "../engine/states";
import type { TaskRun } from "../engine/task-run";
import type { ReadQueries, StepFilter } from "./read-queries";
import type { StepRow } from "./rows";
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
export function stepPage(
  reads: ReadQueries,
  waits: WaitStore,
  taskUuid: string,
  offset: number,
  limit: number,
  filter?: StepFilter,
): StepPage {
  return { total: reads.stepTotal(filter), steps: stepViewsOf(reads, waits, taskUuid, reads.steps(offset, limit, filter)) };
}

function stepViewsOf(reads: ReadQueries, waits: WaitStore, taskUuid: string, rows: StepRow[]): StepView[] {
  const parents = reads.parentsOf(rows.map((row) => row.step_uuid));
  const waiting = waits.viewsOf(rows.filter((row) => row.state === "in_progress").map((row) => row.step_uuid));
  return rows.map((row) => stepView(taskUuid, row, parents.get(row.step_uuid) ?? [], waiting.get(row.step_uuid) ?? null));
}

export interface BatchSummary {
  batchable_step: string;
  worker_template: string;
  total: number;
  counts: Partial<Record<StepState, number>>;
}

export type StepGraph = { total_count: number; steps: StepView[]; batches: BatchSummary[] };

/** The task's steps without its batch workers, and each batch's workers counted per state (one GROUP BY). */
export function stepGraph(reads: ReadQueries, waits: WaitStore, taskUuid: string): StepGraph {
  const batches = new Map<string, BatchSummary>();
  const rows = reads.batchCounts();
  // The worker template is the batchable step's batch_config (the snapshot is read only when a batch exists).
  const steps = rows.length > 0 ? reads.template().steps : [];
  for (const row of rows) {
    const batch = batches.get(row.batchable_step) ?? {
      batchable_step: row.batchable_step,
      worker_template:
        steps.find((step) => step.name === row.batchable_step)?.batch_config?.worker_template ?? row.batchable_step,
      total: 0,
      counts: {},
    };
    batch.total += row.n;
    batch.counts[row.state] = row.n;
    batches.set(row.batchable_step, batch);
  }
  return {
    total_count: reads.stepTotal(),
    steps: stepViewsOf(reads, waits, taskUuid, reads.stepsBesideWorkers()),
    batches: [...batches.values()],
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
