// The one table from the task object's refusals to HTTP: each code's status, the message and details passed on as they are.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { RpcErrorCode, RpcResult } from "../task-object/rpc-result";
import { ApiError } from "./errors";

export const TASK_OBJECT_ERROR_STATUS: Record<RpcErrorCode, ContentfulStatusCode> = {
  task_not_found: 404,
  task_purged: 404,
  step_not_found: 404,
  task_already_terminal: 409,
  action_not_allowed: 409,
  result_too_large: 413,
};

/** The answer's value, or its refusal thrown as the API error the table names. */
export function answerOf<T, C extends RpcErrorCode>(result: RpcResult<T, C>): T {
  if (result.ok) return result.value;
  const { code, message, details } = result.error;
  throw new ApiError(TASK_OBJECT_ERROR_STATUS[code], code, message, details);
}
