// The query of `GET /v1/tasks`: filters, page and page size, parsed strictly with every problem reported.
import type { Context } from "hono";
import { z } from "zod";
import type { TaskIndexFilters } from "../catalog/task-index";
import { TASK_STATES } from "../engine/states";
import { DEFAULT_PAGE_SIZE, MAX_NAME_LENGTH, MAX_NAMESPACE_LENGTH, MAX_PAGE_SIZE, MAX_VERSION_LENGTH } from "../shared/limits";
import { type PageRequest, pageParameters, pageRequest } from "./pagination";
import { parseQuery, type QueryProblem, queryText, readQuery } from "./query-string";

/** An ISO 8601 date (`2026-11-01`, midnight UTC) or date-time with `Z` or an offset, as epoch milliseconds. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: "must be an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z",
  })
  .transform((value) => Date.parse(value));

/** The accepted query parameters; unknown ones are refused so a misspelt filter never silently lists everything. */
export const TaskListQuerySchema = z
  .object({
    namespace: queryText(MAX_NAMESPACE_LENGTH).optional(),
    name: queryText(MAX_NAME_LENGTH).optional(),
    version: queryText(MAX_VERSION_LENGTH).optional(),
    status: z.enum(TASK_STATES, { error: `must be one of ${TASK_STATES.join(", ")}` }).optional(),
    initiator: queryText(MAX_NAME_LENGTH).optional(),
    source_system: queryText(MAX_NAME_LENGTH).optional(),
    correlation_id: queryText(MAX_NAME_LENGTH).optional(),
    created_after: instant.optional().describe("tasks created at or after this instant (ISO 8601)"),
    created_before: instant.optional().describe("tasks created before this instant (ISO 8601)"),
    ...pageParameters({ perPage: DEFAULT_PAGE_SIZE, maxPerPage: MAX_PAGE_SIZE, noun: "tasks" }),
  })
  .strict();

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
