// One task: its graph drawn live while it runs, a batch's workers paged, parent and child links, its repairs and its timeline.
import type { StepGraph, StepsResponse, TaskView, TemplateDetail, TransitionsResponse } from "../../src/client/types";
import { isTerminalTaskState } from "../../src/engine/states";
import { api } from "../api";
import { badge, h, refusalBox, replaceChildren, time } from "../dom";
import { createGraphView } from "../graph-view";
import { type StepState, type WorkerPageView, workerPagePath } from "../model/batch-group";
import { type BatchNode, buildGraph, type GraphNode } from "../model/graph-model";
import { pageLoop } from "../page-loop";
import { pauseBanner, pausePanel } from "../pause";
import { taskRepairPanel } from "../repair";
import { timeline } from "../timeline";

/**
 * While the task is not finished, it is read again this long after the previous read ended, or as
 * long as that read took when it was slower (a task of thousands of steps, or an object busy with
 * them), so the console never keeps the object reading more than half the time.
 */
export const POLL_MS = 1_000;

/** The graph without the batch workers: every other step, and each batch counted per state by the server. */
export const loadGraph = (taskUuid: string): Promise<StepGraph> => api<StepGraph>("GET", `/v1/tasks/${taskUuid}/step_graph`);

function summary(task: TaskView): HTMLElement {
  const counts: [string, number][] = [
    ["total", task.total_steps],
    ["pending", task.pending_steps],
    ["in progress", task.in_progress_steps],
    ["complete", task.completed_steps],
    ["failed", task.failed_steps],
    ["waiting for retry", task.waiting_for_retry_steps],
    ["cancelled", task.cancelled_steps],
  ];
  return h(
    "div",
    { class: "summary" },
    h(
      "dl",
      {},
      h("dt", {}, "Status"),
      h("dd", { "data-testid": "task-status" }, badge(task.status), " ", h("span", { class: "muted" }, task.execution_status)),
      h("dt", {}, "Template"),
      h(
        "dd",
        {},
        h(
          "a",
          { href: `#/templates/${task.namespace}/${task.name}/${task.version}` },
          `${task.namespace}/${task.name} ${task.version}`,
        ),
      ),
      h("dt", {}, "Steps"),
      h("dd", {}, counts.map(([label, count]) => `${count} ${label}`).join(" · "), ` (${task.completion_percentage}% done)`),
      h("dt", {}, "Initiator"),
      h("dd", {}, `${task.initiator} via ${task.source_system}`, task.created_by ? `, created by ${task.created_by}` : null),
      h("dt", {}, "Reason"),
      h("dd", {}, task.reason),
      h("dt", {}, "Correlation id"),
      h("dd", { class: "mono" }, task.correlation_id),
      h("dt", {}, "Created"),
      h("dd", {}, time(task.created_at), task.completed_at ? h("span", {}, " · finished ", time(task.completed_at)) : null),
      task.parent_task_uuid ? h("dt", {}, "Parent") : null,
      task.parent_task_uuid
        ? h(
            "dd",
            {},
            h(
              "a",
              { href: `#/tasks/${task.parent_task_uuid}`, "data-testid": "parent-link" },
              `parent task (step ${task.parent_step_name ?? "?"})`,
            ),
          )
        : null,
      task.child_tasks.length > 0 ? h("dt", {}, "Child tasks") : null,
      task.child_tasks.length > 0
        ? h(
            "dd",
            {},
            ...task.child_tasks.map((child) =>
              h(
                "div",
                {},
                h(
                  "a",
                  { href: `#/tasks/${child.child_task_uuid}`, "data-testid": "child-link", "data-step": child.step_name },
                  `${child.step_name} → child task ${child.child_task_uuid}`,
                ),
              ),
            ),
          )
        : null,
    ),
  );
}

/** The expanded batch: its counts per state (each a filter) and the page of its workers the server answered. */
function batchPanel(
  node: BatchNode,
  taskUuid: string,
  view: WorkerPageView,
  workers: StepsResponse | null,
  show: (state: StepState | null, page: number) => void,
): HTMLElement {
  const page = workers?.pagination.page ?? view.page;
  const totalPages = workers?.pagination.total_pages ?? 1;
  return h(
    "section",
    { class: "batch", "data-testid": "batch-panel" },
    h("h2", {}, `Batch ${node.name}: ${node.total} workers`),
    h(
      "div",
      { class: "counts" },
      h("button", { type: "button", class: `chip${view.state === null ? " on" : ""}`, onclick: () => show(null, 1) }, "all"),
      ...Object.entries(node.counts).map(([state, count]) =>
        h(
          "button",
          {
            type: "button",
            class: `chip state-${state}${view.state === state ? " on" : ""}`,
            onclick: () => show(state as StepState, 1),
          },
          `${state} `,
          h("strong", {}, count),
        ),
      ),
    ),
    h(
      "table",
      { class: "list" },
      h("thead", {}, h("tr", {}, ...["Worker", "State", "Attempts", "Cursor"].map((label) => h("th", {}, label)))),
      h(
        "tbody",
        {},
        ...(workers?.steps ?? []).map((worker) => {
          const cursor = (worker.inputs as { cursor?: { start_cursor?: unknown; end_cursor?: unknown } } | null)?.cursor;
          return h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/tasks/${taskUuid}/steps/${worker.step_uuid}` }, worker.name)),
            h("td", {}, badge(worker.current_state)),
            h("td", { class: "num" }, `${worker.attempts}/${worker.max_attempts}`),
            h(
              "td",
              { class: "mono" },
              cursor ? `${JSON.stringify(cursor.start_cursor)} → ${JSON.stringify(cursor.end_cursor)}` : "—",
            ),
          );
        }),
      ),
    ),
    h(
      "div",
      { class: "pager" },
      h("button", { type: "button", disabled: page <= 1, onclick: () => show(view.state, page - 1) }, "← Previous"),
      h(
        "span",
        { "data-testid": "batch-page" },
        workers ? `Page ${page} of ${totalPages} · ${workers.total_count} worker(s)` : "reading workers…",
      ),
      h("button", { type: "button", disabled: page >= totalPages, onclick: () => show(view.state, page + 1) }, "Next →"),
    ),
  );
}

function stepTable(nodes: GraphNode[], taskUuid: string): HTMLElement {
  const rows = nodes.flatMap((node) => {
    if (node.kind === "batch") return [];
    const step = node.step;
    return [
      h(
        "tr",
        { "data-step": node.name },
        h("td", {}, step ? h("a", { href: `#/tasks/${taskUuid}/steps/${step.step_uuid}` }, node.name) : node.name),
        h("td", {}, node.type),
        h("td", {}, badge(node.state)),
        h("td", { class: "num" }, step ? `${step.attempts}/${step.max_attempts}` : "—"),
        h("td", {}, step?.last_error ? `${step.last_error.error_code}: ${step.last_error.message}` : ""),
        h("td", {}, step?.child_task_uuid ? h("a", { href: `#/tasks/${step.child_task_uuid}` }, "child task") : ""),
      ),
    ];
  });
  return h(
    "table",
    { class: "list" },
    h("thead", {}, h("tr", {}, ...["Step", "Type", "State", "Attempts", "Last error", ""].map((label) => h("th", {}, label)))),
    h("tbody", {}, ...rows),
  );
}

export function renderTask(root: HTMLElement, taskUuid: string): () => void {
  const header = h("div", {});
  const graphHost = h("div", { class: "graph-host", "data-testid": "graph" });
  const batchHost = h("div", {});
  const stepsHost = h("div", {});
  const repairHost = h("div", {});
  const outcome = h("div", { class: "outcome", "data-testid": "action-outcome" });
  const timelineHost = h("div", {});
  const status = h("div", { class: "status-line", "data-testid": "poll-status" });
  replaceChildren(
    root,
    header,
    status,
    h("h2", {}, "Graph"),
    h("p", { class: "muted" }, "Left to right in dependency order. Click a step for its details, a batch for its workers."),
    graphHost,
    batchHost,
    h("h2", {}, "Steps"),
    stepsHost,
    repairHost,
    outcome,
    h("h2", {}, "Timeline"),
    timelineHost,
  );

  const loop = pageLoop(refresh);
  let template: TemplateDetail | null | undefined;
  let openBatch: ({ name: string } & WorkerPageView) | null = null;
  let latestBatch: BatchNode | null = null;
  let workerPage: StepsResponse | null = null;
  let workerReads = 0;
  let renderedRepairFor = "";
  let readMs = 0;

  const renderBatch = () => {
    if (openBatch === null || latestBatch === null) return replaceChildren(batchHost);
    replaceChildren(batchHost, batchPanel(latestBatch, taskUuid, openBatch, workerPage, showWorkers));
  };
  /** Reads the open group's page of workers (only that page) and draws it; a later read wins over an earlier one. */
  const loadWorkers = async (): Promise<void> => {
    const batchable = latestBatch?.batchableStep;
    if (openBatch === null || !batchable) return renderBatch();
    const read = ++workerReads;
    try {
      const answer = await api<StepsResponse>("GET", workerPagePath(taskUuid, batchable, openBatch));
      if (read !== workerReads || loop.stopped) return;
      workerPage = answer;
      renderBatch();
    } catch (error) {
      if (read === workerReads && !loop.stopped) replaceChildren(batchHost, refusalBox(error));
    }
  };
  const showWorkers = (state: StepState | null, page: number) => {
    if (openBatch === null) return;
    openBatch.state = state;
    openBatch.page = page;
    void loadWorkers();
  };
  const graph = createGraphView(graphHost, (node) => {
    if (node.kind === "batch") {
      openBatch = openBatch?.name === node.name ? null : { name: node.name, state: null, page: 1 };
      latestBatch = node;
      workerPage = null;
      renderBatch();
      void loadWorkers();
    } else if (node.step) {
      location.hash = `#/tasks/${taskUuid}/steps/${node.step.step_uuid}`;
    }
  });

  async function refresh(): Promise<number | null> {
    let task: TaskView | null = null;
    try {
      const started = performance.now();
      task = await api<TaskView>("GET", `/v1/tasks/${taskUuid}`);
      if (template === undefined) {
        template = await api<TemplateDetail>("GET", `/v1/templates/${task.namespace}/${task.name}/${task.version}`).catch(
          () => null,
        );
      }
      const [stepGraph, transitions] = await Promise.all([
        loadGraph(taskUuid),
        api<TransitionsResponse>("GET", `/v1/tasks/${taskUuid}/transitions`),
      ]);
      if (loop.stopped) return null;
      readMs = performance.now() - started;
      const model = buildGraph(template?.steps ?? [], stepGraph.steps, stepGraph.batches);
      replaceChildren(
        header,
        h("h1", {}, `${task.namespace}/${task.name} `, h("span", { class: "mono muted" }, task.task_uuid)),
        pauseBanner(task),
        summary(task),
      );
      graph.update(model);
      // For the browser test's time to first render (performance.getEntriesByName).
      if (performance.getEntriesByName("tasker:first-graph").length === 0) performance.mark("tasker:first-graph");
      if (openBatch !== null) {
        latestBatch =
          model.nodes.find((node): node is BatchNode => node.kind === "batch" && node.name === openBatch?.name) ?? null;
        // The open page is read again with the graph, so its workers' states stay live.
        void loadWorkers();
      }
      replaceChildren(stepsHost, stepTable(model.nodes, taskUuid));
      // The repair panel keeps what the operator typed: rebuilt only when the task's state changes.
      if (renderedRepairFor !== `${task.status}:${task.paused !== null}`) {
        renderedRepairFor = `${task.status}:${task.paused !== null}`;
        replaceChildren(
          repairHost,
          pausePanel(task, () => void loop.now(), outcome),
          taskRepairPanel(task, () => void loop.now(), outcome),
        );
      }
      replaceChildren(timelineHost, timeline(transitions.transitions));
      const live = !isTerminalTaskState(task.status);
      const every = Math.max(POLL_MS, readMs) / 1000;
      const counted = stepGraph.batches.reduce((sum, batch) => sum + batch.total, 0);
      status.textContent = `${stepGraph.steps.length} step(s) and ${counted} batch worker(s) counted, read in ${Math.round(readMs)} ms, drawn in ${Math.round(performance.now() - started - readMs)} ms · ${live ? `live: read again every ${every.toFixed(1)} s` : "finished: no longer polled"}`;
      document.body.dataset.graphReady = task.task_uuid;
    } catch (error) {
      if (!loop.stopped) replaceChildren(status, refusalBox(error));
    }
    return task === null || !isTerminalTaskState(task.status) ? Math.max(POLL_MS, readMs) : null;
  }
  void loop.now();
  return () => loop.stop();
}
