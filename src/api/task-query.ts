// The query of `GET /v1/tasks`: filters, page and page size, parsed strictly with every problem reported.
import { z } from "zod";
import type { TaskIndexFilters } from "../catalog/task-index";
import { DEFAULT_PAGE_SIZE, MAX_NAME_LENGTH, MAX_NAMESPACE_LENGTH, MAX_PAGE_SIZE, MAX_VERSION_LENGTH } from "../engine/limits";
import { TASK_STATES } from "../engine/states";
import { formatPath } from "../templates/paths";
import type { PageRequest } from "./pagination";

const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

const wholeNumber = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(1, "must be at least 1").max(max, `must be at most ${max}`));

/** An ISO 8601 date (`2026-11-01`, midnight UTC) or date-time with `Z` or an offset, as epoch milliseconds. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: "must be an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z",
  })
  .transform((value) => Date.parse(value));

/** The accepted query parameters; unknown ones are refused so a misspelt filter never silently lists everything. */
export const TaskListQuerySchema = z
  .object({
    namespace: text(MAX_NAMESPACE_LENGTH).optional(),
    name: text(MAX_NAME_LENGTH).optional(),
    version: text(MAX_VERSION_LENGTH).optional(),
    status: z.enum(TASK_STATES, { error: `must be one of ${TASK_STATES.join(", ")}` }).optional(),
    initiator: text(MAX_NAME_LENGTH).optional(),
    source_system: text(MAX_NAME_LENGTH).optional(),
    correlation_id: text(MAX_NAME_LENGTH).optional(),
    created_after: instant.optional().describe("tasks created at or after this instant (ISO 8601)"),
    created_before: instant.optional().describe("tasks created before this instant (ISO 8601)"),
    page: wholeNumber(1_000_000).default(1).describe("page number, from 1"),
    per_page: wholeNumber(MAX_PAGE_SIZE)
      .default(DEFAULT_PAGE_SIZE)
      .describe(`tasks per page, ${DEFAULT_PAGE_SIZE} by default, at most ${MAX_PAGE_SIZE}`),
  })
  .strict();

export interface TaskListQuery {
  filters: TaskIndexFilters;
  page: PageRequest;
}

export type QueryProblem = { path: string; message: string };

/** Parses the query string; every problem is reported at once with the parameter it concerns. */
export function parseTaskListQuery(
  params: URLSearchParams,
): { ok: true; query: TaskListQuery } | { ok: false; problems: QueryProblem[] } {
  const raw: Record<string, string> = {};
  const problems: QueryProblem[] = [];
  for (const [key, value] of params) {
    if (key in raw) problems.push({ path: key, message: "may be given only once" });
    raw[key] = value;
  }
  const parsed = TaskListQuerySchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          problems.push({ path: key, message: `is not a filter; use ${Object.keys(TaskListQuerySchema.shape).join(", ")}` });
        }
      } else problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const { page, per_page, ...filters } = parsed.data;
  return { ok: true, query: { filters, page: { page, per_page, offset: (page - 1) * per_page } } };
}
