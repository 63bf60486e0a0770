// The one error envelope of the API: `{ "error": { "code", "message", "details"? } }` with its status.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { ErrorEnvelopeSchema } from "../contract/responses";
import { log } from "../log";
import { formatPath } from "../templates/paths";

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

/** The envelope as the contract describes it (`ErrorEnvelopeSchema`). */
export function errorBody(code: string, message: string, details?: unknown): z.output<typeof ErrorEnvelopeSchema> {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function sendError(c: Context, error: ApiError): Response {
  return c.json(errorBody(error.code, error.message, error.details), error.status);
}

/**
 * Turns zod issues into `{ path, message }` entries with paths like `tags[2]` or `context.order_id`;
 * each unknown field of a strict object is one entry at its own path, so the response names it.
 */
export function zodProblems(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: "is not a known field" }))
      : [{ path: formatPath(issue.path), message: issue.message }],
  );
}

export const notFound = (what: string, id: string) =>
  new ApiError(404, `${what}_not_found`, `${what.replace("_", " ")} ${id} not found`);

/**
 * Awaits a read or write of the D1 catalog (registered templates, the task index). D1 failing is the
 * platform's trouble, not the caller's: it becomes 503 `catalog_unavailable`, never a bare 500.
 */
export async function fromCatalog<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    log("error", "catalog.unavailable", { error: String(error) });
    throw new ApiError(503, "catalog_unavailable", "the template catalog and task index (D1) did not answer; try again shortly");
  }
}
