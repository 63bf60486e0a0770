// The one error envelope of the API: `{ "error": { "code", "message", "details"? } }` with its status.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function sendError(c: Context, error: ApiError): Response {
  return c.json(errorBody(error.code, error.message, error.details), error.status);
}

/** Turns zod issues into `{ path, message }` entries with dotted paths like `context.order_id`. */
export function zodProblems(error: z.ZodError, prefix = ""): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
      prefix,
    );
    return { path, message: issue.message };
  });
}

export const notFound = (what: string, id: string) =>
  new ApiError(404, `${what}_not_found`, `${what.replace("_", " ")} ${id} not found`);
