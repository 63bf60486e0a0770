// Claim assembly: what a handler receives for a claimed step — the task, the step, its ancestors' results.
import type { ClaimedStep, FailedDependency } from "../engine/protocol";
import type { TaskRun } from "../engine/task-run";
import type { StepDefinition } from "../templates/types";
import type { ReadQueries } from "./read-queries";

/** The claimed step as its handler sees it; null if the step no longer waits on this dispatch. */
export function assembleClaim(reads: ReadQueries, run: TaskRun, stepUuid: string, dispatchId: string): ClaimedStep | null {
  return assembleClaims(reads, run, [{ stepUuid, dispatchId }])[0] ?? null;
}

/**
 * Several claimed steps of the task, the task row read once; each gets its own parse of the context,
 * so handlers running side by side in one consumer never share (and mutate) one object.
 */
export function assembleClaims(
  reads: ReadQueries,
  run: TaskRun,
  claims: readonly { stepUuid: string; dispatchId: string }[],
): (ClaimedStep | null)[] {
  const task = reads.task();
  return claims.map(({ stepUuid, dispatchId }) => {
    const row = task ? reads.step(stepUuid) : null;
    if (!task || !row || row.dispatch_id !== dispatchId) return null;
    const definition = JSON.parse(row.definition) as StepDefinition;
    return {
      task: {
        task_uuid: task.task_uuid,
        namespace: task.namespace,
        name: task.name,
        version: task.version,
        correlation_id: task.correlation_id,
        context: JSON.parse(task.context),
      },
      step: {
        step_uuid: row.step_uuid,
        name: row.name,
        type: row.type,
        callable: definition.handler.callable,
        initialization: definition.handler.initialization,
        attempt: row.attempts,
        max_attempts: definition.retry.max_attempts,
        timeout_ms: definition.timeout_seconds * 1000,
        ...(row.inputs === null ? {} : { inputs: JSON.parse(row.inputs) }),
      },
      dependency_results: reads.ancestorResults(stepUuid),
      ...failedDependencies(reads, run, stepUuid),
    };
  });
}

/** Tolerated failures among a step's parents (continue_on_failure batches), so a convergence step can report them. */
function failedDependencies(
  reads: ReadQueries,
  run: TaskRun,
  stepUuid: string,
): { failed_dependencies?: Record<string, FailedDependency> } {
  // The run in memory says whether any parent failed; only then is the query worth a claim's time.
  const parents = run.steps.get(stepUuid)?.parents ?? [];
  if (!parents.some((uuid) => run.steps.get(uuid)?.state === "error")) return {};
  const failed = reads.failedParents(stepUuid);
  return Object.keys(failed).length === 0 ? {} : { failed_dependencies: failed };
}
