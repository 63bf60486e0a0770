// Claim assembly: what a handler receives for a claimed step — the task, the step, its ancestors' results.
import type { ClaimedStep, FailedDependency } from "../engine/protocol";
import type { TaskRun } from "../engine/task-run";
import type { StepDefinition } from "../templates/types";
import { claimMemoryOf } from "./claim-memory";
import type { ReadQueries } from "./read-queries";

/**
 * The claimed step as its handler sees it; null if the step no longer waits on this dispatch. The
 * task's part and the ancestors' results come from the run's claim memory (read and parsed once);
 * the step's row is read each time.
 */
export function assembleClaim(reads: ReadQueries, run: TaskRun, stepUuid: string, dispatchId: string): ClaimedStep | null {
  const memory = claimMemoryOf(run);
  const task = memory.taskPart(reads);
  const row = reads.step(stepUuid);
  if (!task || !row || row.dispatch_id !== dispatchId) return null;
  const definition = JSON.parse(row.definition) as StepDefinition;
  return {
    task,
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
    dependency_results: memory.ancestorResults(run, stepUuid, reads),
    ...failedDependencies(reads, run, stepUuid),
  };
}

/**
 * Several claimed steps of the task, for one answer (claimMany, or a report's eager steps). One
 * answer is serialised as one message, which keeps objects shared: the claim memory's task part and
 * results would reach the consumer as one object shared by every handler it runs side by side. So
 * each claim after the first gets its own copies.
 */
export function assembleClaims(
  reads: ReadQueries,
  run: TaskRun,
  claims: readonly { stepUuid: string; dispatchId: string }[],
): (ClaimedStep | null)[] {
  let handedOut = false;
  return claims.map(({ stepUuid, dispatchId }) => {
    const claim = assembleClaim(reads, run, stepUuid, dispatchId);
    if (!claim) return null;
    if (!handedOut) {
      handedOut = true;
      return claim;
    }
    return { ...claim, task: structuredClone(claim.task), dependency_results: structuredClone(claim.dependency_results) };
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
