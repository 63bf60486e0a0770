// One bulk job's action on one task, through the task object's own operator actions: succeeded, skipped (it did not apply) or failed.
import type { BulkAction } from "../contract/permissions";
import { inNamespaceScope, type NamespaceScope } from "../engine/namespace-scope";
import type { Actor } from "../engine/task-run";
import type { TaskObjectClient } from "../task-object/client";

export type BulkOutcome =
  | { outcome: "succeeded"; code: null; message: null }
  | { outcome: "skipped" | "failed"; code: string; message: string };

export interface BulkActionRequest {
  action: BulkAction;
  reason: string;
  /** The job's creator, recorded as the actor of every change. */
  actor: Actor;
  /** Written as `performed_by` in each task's audit, so the audit names the job. */
  performedBy: string;
  /** The creator's namespaces: a task outside them is never touched. */
  scope: NamespaceScope;
}

const SUCCEEDED: BulkOutcome = { outcome: "succeeded", code: null, message: null };
const skipped = (code: string, message: string): BulkOutcome => ({ outcome: "skipped", code, message });
const failed = (code: string, message: string): BulkOutcome => ({ outcome: "failed", code, message });

/** Refusals that mean "the task is not (or no longer) in a state this action applies to": a re-run after a crash lands here. */
const NOT_APPLICABLE = new Set(["task_already_terminal", "action_not_allowed"]);

type Refusal = { code: string; message: string };
const refusalOutcome = (error: Refusal): BulkOutcome =>
  NOT_APPLICABLE.has(error.code) ? skipped(error.code, error.message) : failed(error.code, error.message);

/** Applies the action to one task; never throws (an unreachable object is a `failed` outcome). */
export async function applyBulkAction(task: TaskObjectClient, request: BulkActionRequest): Promise<BulkOutcome> {
  try {
    return await apply(task, request);
  } catch (error) {
    return failed("task_unreachable", `the task's object did not answer: ${String(error)}`);
  }
}

async function apply(task: TaskObjectClient, request: BulkActionRequest): Promise<BulkOutcome> {
  const read = await task.getTask();
  if (!read.ok) return failed(read.error.code, read.error.message);
  if (!inNamespaceScope(request.scope, read.value.namespace)) {
    return skipped("out_of_scope", `namespace ${read.value.namespace} is outside the job's namespaces`);
  }
  const { reason, actor, performedBy } = request;
  switch (request.action) {
    case "cancel": {
      const answer = await task.cancel(reason, actor);
      return answer.ok ? SUCCEEDED : refusalOutcome(answer.error);
    }
    case "give_up":
    case "resolve": {
      const action_type = request.action === "give_up" ? "give_up" : "resolve_manually";
      const answer = await task.applyTaskAction({ action_type, performed_by: performedBy, reason, actor });
      return answer.ok ? SUCCEEDED : refusalOutcome(answer.error);
    }
    case "retry_failed_steps":
      return retryFailedSteps(task, read.value.status, request);
  }
}

const STEP_PAGE = 1_000;

/** Resets every step in `error` of a blocked task (each as the step route's `reset_for_retry` would). */
async function retryFailedSteps(task: TaskObjectClient, status: string, request: BulkActionRequest): Promise<BulkOutcome> {
  if (status !== "blocked_by_failures") {
    return skipped("not_blocked", `the task is ${status}; only a task blocked by failures has failed steps to retry`);
  }
  const failedSteps: string[] = [];
  for (let offset = 0; ; offset += STEP_PAGE) {
    const page = await task.listSteps(offset, STEP_PAGE);
    if (!page.ok) return failed(page.error.code, page.error.message);
    for (const step of page.value.steps) if (step.current_state === "error") failedSteps.push(step.step_uuid);
    if (offset + STEP_PAGE >= page.value.total) break;
  }
  let reset = 0;
  for (const stepUuid of failedSteps) {
    const answer = await task.applyStepAction(stepUuid, {
      action_type: "reset_for_retry",
      performed_by: request.performedBy,
      reason: request.reason,
      actor: request.actor,
    });
    if (answer.ok) reset += 1;
    else if (!NOT_APPLICABLE.has(answer.error.code)) return failed(answer.error.code, answer.error.message);
  }
  return reset > 0 ? SUCCEEDED : skipped("no_failed_steps", "the task has no step in error left to retry");
}
