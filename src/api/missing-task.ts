// A task its object does not hold: a purged one is told apart from one that never existed, for callers allowed to see it.
import type { Context } from "hono";
import { findTombstone } from "../catalog/task-index";
import { log } from "../log";
import type { RpcError, RpcErrorCode, RpcResult } from "../task-object/rpc-result";
import { canSeeNamespace } from "./auth";
import { ApiError, notFound } from "./errors";
import { answerOf } from "./task-object-errors";

function purged(taskUuid: string, purgedAt: string): ApiError {
  return new ApiError(404, "task_purged", `task ${taskUuid} was purged after its retention period`, {
    task_uuid: taskUuid,
    purged_at: purgedAt,
  });
}

/**
 * The 404 for a task the object answered as missing. A task in the middle of its purge says so itself;
 * an emptied object is looked up among the tombstones. Either way, a caller outside the task's
 * namespaces gets the ordinary `task_not_found`, as for any task it may not see.
 */
async function missingTaskError(c: Context<{ Bindings: Env }>, taskUuid: string, error: RpcError): Promise<ApiError> {
  if (error.code === "task_purged") {
    const { namespace, purged_at } = (error.details ?? {}) as { namespace?: string; purged_at?: string };
    return namespace !== undefined && purged_at !== undefined && canSeeNamespace(c, namespace)
      ? purged(taskUuid, purged_at)
      : notFound("task", taskUuid);
  }
  // D1 failing here must not turn an unknown task into a 503: the task is not found either way.
  const tombstone = await findTombstone(c.env.TASKER_DB, taskUuid).catch((failure: unknown) => {
    log("error", "task_tombstone.lookup_failed", { task_uuid: taskUuid, error: String(failure) });
    return null;
  });
  if (tombstone === null || !canSeeNamespace(c, tombstone.namespace)) return notFound("task", taskUuid);
  return purged(taskUuid, new Date(tombstone.purged_at).toISOString());
}

/** `answerOf` for a task route: the value, or the refusal as its API error, a missing task told apart as above. */
export async function taskAnswer<T, C extends RpcErrorCode>(
  c: Context<{ Bindings: Env }>,
  taskUuid: string,
  result: RpcResult<T, C>,
): Promise<T> {
  if (!result.ok && (result.error.code === "task_not_found" || result.error.code === "task_purged")) {
    throw await missingTaskError(c, taskUuid, result.error);
  }
  return answerOf(result);
}
