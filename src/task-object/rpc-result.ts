// The one shape of the task object's answers to the API: a value, or an error whose code the API maps to an HTTP status.

/** Every reason the object refuses an API call; src/api/task-object-errors.ts gives each its HTTP status. */
export type RpcErrorCode =
  | "task_not_found"
  | "task_purged"
  | "step_not_found"
  | "task_already_terminal"
  | "result_too_large"
  | "action_not_allowed";

export interface RpcError<C extends RpcErrorCode = RpcErrorCode> {
  code: C;
  message: string;
  details?: Record<string, unknown>;
}

export type RpcResult<T, C extends RpcErrorCode = RpcErrorCode> = { ok: true; value: T } | { ok: false; error: RpcError<C> };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function refused<C extends RpcErrorCode>(
  code: C,
  message: string,
  details?: Record<string, unknown>,
): { ok: false; error: RpcError<C> } {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}
