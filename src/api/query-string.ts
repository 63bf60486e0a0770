// Reading a route's query string strictly: unknown, repeated and malformed parameters are 400 `invalid_query`.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { NO_QUERY } from "../contract/query-fields";
import { formatPath } from "../templates/paths";
import { ApiError } from "./errors";

export type QueryProblem = { path: string; message: string };

/**
 * Parses query parameters against a strict object schema, reporting every problem at once with the
 * parameter it concerns: a parameter the route does not take, one given twice, a bad value.
 */
export function parseQuery<S extends z.ZodObject>(
  params: URLSearchParams,
  schema: S,
): { ok: true; query: z.output<S> } | { ok: false; problems: QueryProblem[] } {
  const raw: Record<string, string> = {};
  const problems: QueryProblem[] = [];
  for (const [key, value] of params) {
    if (Object.hasOwn(raw, key)) {
      if (!problems.some((p) => p.path === key)) problems.push({ path: key, message: "may be given only once" });
    } else raw[key] = value;
  }
  // Strict whatever the route's schema says: a parameter the route does not take is never ignored.
  const parsed = schema.strict().safeParse(raw);
  if (!parsed.success) {
    const known = Object.keys(schema.shape);
    const takes = known.length === 0 ? "this route takes no query parameters" : `this route takes ${known.join(", ")}`;
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push({ path: key, message: `is not a parameter of this route; ${takes}` });
      } else problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, query: parsed.data as z.output<S> };
}

/** The request's query parsed with `schema`, or a 400 `invalid_query` listing every problem. */
export function readQuery<S extends z.ZodObject>(c: Context, schema: S): z.output<S> {
  const parsed = parseQuery(new URL(c.req.url).searchParams, schema);
  if (!parsed.ok) throw new ApiError(400, "invalid_query", "the query string is invalid", parsed.problems);
  return parsed.query;
}

/** Middleware for a route that takes no query parameters: any parameter is a 400, not silently ignored. */
export function noQuery(): MiddlewareHandler {
  return async (c, next) => {
    readQuery(c, NO_QUERY);
    await next();
  };
}
