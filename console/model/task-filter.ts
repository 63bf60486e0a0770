// The task list's filter: one object the list, the status counts (and any action on the listed tasks) read, kept in the URL.
import { TASK_STATES, type TaskState } from "../../src/engine/states";

/** The `GET /v1/tasks` filters the console offers; an empty string is "any". */
export interface TaskFilter {
  namespace: string;
  name: string;
  status: TaskState | "";
  initiator: string;
  correlation_id: string;
  /** ISO 8601 instants. */
  created_after: string;
  created_before: string;
}

export const FILTER_FIELDS = [
  "namespace",
  "name",
  "status",
  "initiator",
  "correlation_id",
  "created_after",
  "created_before",
] as const satisfies readonly (keyof TaskFilter)[];

export const EMPTY_FILTER: TaskFilter = {
  namespace: "",
  name: "",
  status: "",
  initiator: "",
  correlation_id: "",
  created_after: "",
  created_before: "",
};

const isTaskState = (value: string): value is TaskState => (TASK_STATES as readonly string[]).includes(value);

/** The filter's query parameters for `GET /v1/tasks` (only those set), with a page and page size when given. */
export function filterQuery(filter: TaskFilter, paging?: { page: number; perPage: number }): URLSearchParams {
  const query = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    const value = filter[field].trim();
    if (value !== "") query.set(field, value);
  }
  if (paging) {
    query.set("page", String(paging.page));
    query.set("per_page", String(paging.perPage));
  }
  return query;
}

/** The filter written in a query string (the console's own URL); unknown parameters and statuses are ignored. */
export function filterFromQuery(query: URLSearchParams): TaskFilter {
  const filter: TaskFilter = { ...EMPTY_FILTER };
  for (const field of FILTER_FIELDS) {
    const value = query.get(field)?.trim() ?? "";
    if (field === "status") filter.status = isTaskState(value) ? value : "";
    else filter[field] = value;
  }
  return filter;
}
