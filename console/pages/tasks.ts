// The task list: the API's filters as one filter object, paging, counts by status and the inbox of blocked tasks.
import type { TaskList, TaskSummary } from "../../src/client/types";
import { TASK_STATES } from "../../src/engine/states";
import { api } from "../api";
import { bulkPanel } from "../bulk";
import { badge, h, refusalBox, replaceChildren, time } from "../dom";
import { EMPTY_FILTER, FILTER_FIELDS, filterFromQuery, filterQuery, type TaskFilter } from "../model/task-filter";
import { pageLoop } from "../page-loop";

const PER_PAGE = 25;
const REFRESH_MS = 5_000;

let filter: TaskFilter = { ...EMPTY_FILTER };
const filterListeners = new Set<(filter: TaskFilter) => void>();

/** The filter the list shows now: what an action on "the listed tasks" acts on. */
export function currentTaskFilter(): TaskFilter {
  return { ...filter };
}

/** Called with the new filter each time the operator changes it. */
export function onTaskFilterChange(listener: (filter: TaskFilter) => void): () => void {
  filterListeners.add(listener);
  return () => filterListeners.delete(listener);
}

const LABELS: Record<keyof TaskFilter, string> = {
  namespace: "Namespace",
  name: "Name",
  status: "Status",
  initiator: "Initiator",
  correlation_id: "Correlation id",
  created_after: "Created after (ISO 8601)",
  created_before: "Created before (ISO 8601)",
};

function go(next: TaskFilter, page = 1): void {
  const query = filterQuery(next);
  if (page > 1) query.set("page", String(page));
  location.hash = `#/tasks?${query}`;
}

function taskRow(task: TaskSummary): HTMLTableRowElement {
  return h(
    "tr",
    { "data-task": task.task_uuid },
    h("td", {}, h("a", { href: `#/tasks/${task.task_uuid}`, class: "mono" }, task.task_uuid)),
    h("td", {}, `${task.namespace}/${task.name}`, h("span", { class: "muted" }, ` ${task.version}`)),
    h("td", {}, badge(task.status)),
    h("td", {}, task.initiator),
    h("td", { class: "mono" }, task.correlation_id),
    h("td", {}, time(task.created_at)),
    h("td", { class: "num" }, task.total_steps),
  );
}

function taskTable(tasks: TaskSummary[]): HTMLElement {
  if (tasks.length === 0) return h("p", { class: "muted" }, "No task matches.");
  return h(
    "table",
    { class: "list" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["Task", "Template", "Status", "Initiator", "Correlation id", "Created", "Steps"].map((label) => h("th", {}, label)),
      ),
    ),
    h("tbody", {}, ...tasks.map(taskRow)),
  );
}

export function renderTasks(root: HTMLElement, query: URLSearchParams): () => void {
  filter = filterFromQuery(query);
  for (const listener of filterListeners) listener(currentTaskFilter());
  const page = Math.max(1, Number(query.get("page") ?? 1) || 1);

  const form = h("form", { class: "filters", "data-testid": "task-filter" });
  for (const field of FILTER_FIELDS) {
    const input =
      field === "status"
        ? h(
            "select",
            { name: field },
            h("option", { value: "" }, "any"),
            ...TASK_STATES.map((state) => h("option", { value: state }, state)),
          )
        : h("input", {
            name: field,
            value: filter[field],
            placeholder: field.startsWith("created") ? "2026-01-31T00:00:00Z" : "",
          });
    if (input instanceof HTMLSelectElement) input.value = filter.status;
    form.append(h("label", {}, h("span", {}, LABELS[field]), input));
  }
  form.append(
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Apply"),
      h("button", { type: "button", onclick: () => go(EMPTY_FILTER) }, "Clear"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    go(filterFromQuery(new URLSearchParams([...data.entries()].map(([key, value]) => [key, String(value)]))));
  });

  const counts = h("div", { class: "counts", "data-testid": "status-counts" });
  const inbox = h("section", { class: "inbox", "data-testid": "inbox" });
  const results = h("section", { "data-testid": "task-list" });
  const bulk = bulkPanel(currentTaskFilter, () => void loop.now());
  replaceChildren(
    root,
    h("h1", {}, "Tasks"),
    form,
    h("details", { class: "bulk" }, h("summary", { "data-testid": "bulk-open" }, "Act on every listed task…"), bulk.element),
    h("h2", {}, "By status"),
    counts,
    h("h2", {}, "Inbox: blocked by failures"),
    inbox,
    h("h2", {}, "Tasks"),
    results,
  );

  const loop = pageLoop(refresh);
  async function refresh(): Promise<number | null> {
    try {
      const [list, blocked, perStatus] = await Promise.all([
        api<TaskList>("GET", `/v1/tasks?${filterQuery(filter, { page, perPage: PER_PAGE })}`),
        api<TaskList>(
          "GET",
          `/v1/tasks?${filterQuery({ ...EMPTY_FILTER, status: "blocked_by_failures" }, { page: 1, perPage: 10 })}`,
        ),
        Promise.all(
          TASK_STATES.map(async (status) => {
            const answer = await api<TaskList>("GET", `/v1/tasks?${filterQuery({ ...filter, status }, { page: 1, perPage: 1 })}`);
            return [status, answer.pagination.total_count] as const;
          }),
        ),
      ]);
      if (loop.stopped) return null;
      replaceChildren(
        counts,
        ...perStatus
          .filter(([, count]) => count > 0)
          .map(([status, count]) =>
            h(
              "button",
              { type: "button", class: `chip state-${status}`, "data-status": status, onclick: () => go({ ...filter, status }) },
              `${status} `,
              h("strong", {}, count),
            ),
          ),
        perStatus.every(([, count]) => count === 0) ? h("span", { class: "muted" }, "No tasks.") : null,
      );
      replaceChildren(
        inbox,
        blocked.pagination.total_count === 0
          ? h("p", { class: "muted" }, "Nothing is blocked.")
          : h(
              "div",
              {},
              h("p", {}, `${blocked.pagination.total_count} blocked task(s) wait for an operator.`),
              taskTable(blocked.tasks),
              blocked.pagination.has_next
                ? h(
                    "a",
                    { href: `#/tasks?${filterQuery({ ...EMPTY_FILTER, status: "blocked_by_failures" })}` },
                    "All blocked tasks",
                  )
                : null,
            ),
      );
      const { pagination } = list;
      replaceChildren(
        results,
        taskTable(list.tasks),
        h(
          "div",
          { class: "pager" },
          h("button", { type: "button", disabled: !pagination.has_previous, onclick: () => go(filter, page - 1) }, "← Newer"),
          h("span", {}, `Page ${pagination.page} of ${pagination.total_pages} · ${pagination.total_count} task(s)`),
          h("button", { type: "button", disabled: !pagination.has_next, onclick: () => go(filter, page + 1) }, "Older →"),
        ),
      );
    } catch (error) {
      if (!loop.stopped) replaceChildren(results, refusalBox(error));
    }
    return REFRESH_MS;
  }
  void loop.now();
  return () => {
    loop.stop();
    bulk.stop();
  };
}
