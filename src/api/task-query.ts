// The query of `GET /v1/tasks` (its schema is in the contract) as index filters and a page, with every problem reported.
import type { Context } from "hono";
import type { TaskIndexFilters } from "../catalog/task-index";
import { TaskListQuerySchema } from "../contract/requests";
import { type PageRequest, pageRequest } from "./pagination";
import { parseQuery, type QueryProblem, readQuery } from "./query-string";

export interface TaskListQuery {
  filters: TaskIndexFilters;
  page: PageRequest;
}

/** Parses the query string; every problem is reported at once with the parameter it concerns. */
export function parseTaskListQuery(
  params: URLSearchParams,
): { ok: true; query: TaskListQuery } | { ok: false; problems: QueryProblem[] } {
  const parsed = parseQuery(params, TaskListQuerySchema);
  if (!parsed.ok) return parsed;
  const { page, per_page, ...filters } = parsed.query;
  return { ok: true, query: { filters, page: pageRequest({ page, per_page }) } };
}

/** The task list's query from the request, or a 400 `invalid_query` listing every problem. */
export function readTaskListQuery(c: Context): TaskListQuery {
  const { page, per_page, ...filters } = readQuery(c, TaskListQuerySchema);
  return { filters, page: pageRequest({ page, per_page }) };
}
