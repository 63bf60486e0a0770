// The bulk panel of the task list: one action over every task the list's filter matches, counted by a dry run, confirmed, then followed live.
import type { BulkAction, BulkDryRun, BulkJobRequest, BulkJobView } from "../src/client/types";
import { api } from "./api";
import { confirmAction, h, jsonBlock, refusalBox, replaceChildren } from "./dom";
import { FILTER_FIELDS, type TaskFilter } from "./model/task-filter";

const POLL_MS = 1_000;

const ACTIONS: { action: BulkAction; label: string; effect: string }[] = [
  {
    action: "retry_failed_steps",
    label: "Retry failed steps",
    effect: "resets every step in error for retry on each task blocked by failures, so their handlers run again",
  },
  { action: "cancel", label: "Cancel", effect: "cancels each task that has not finished; a cancelled task never resumes" },
  { action: "give_up", label: "Give up", effect: "ends each task blocked by failures in error" },
  { action: "resolve", label: "Resolve", effect: "ends each task blocked by failures as resolved_manually" },
];

/** The list's filter as the bulk job's filter: only the fields set. */
function bulkFilter(filter: TaskFilter): BulkJobRequest["filter"] {
  const result: Record<string, string> = {};
  for (const field of FILTER_FIELDS) if (filter[field] !== "") result[field] = filter[field];
  return result as BulkJobRequest["filter"];
}

function progress(job: BulkJobView): HTMLElement {
  const counts: [string, number][] = [
    ["matched", job.matched],
    ["processed", job.processed],
    ["succeeded", job.succeeded],
    ["skipped", job.skipped],
    ["failed", job.failed],
  ];
  return h(
    "div",
    { "data-testid": "bulk-job", "data-status": job.status },
    h("p", {}, "Job ", h("span", { class: "mono" }, job.job_id), ": ", h("strong", { "data-testid": "bulk-status" }, job.status)),
    h(
      "div",
      { class: "counts" },
      ...counts.map(([label, count]) => h("span", { class: "chip", "data-count": label }, `${label} `, h("strong", {}, count))),
    ),
    job.failure ? h("div", { class: "refusal" }, job.failure) : null,
    job.errors.length === 0
      ? null
      : h(
          "table",
          { class: "list", "data-testid": "bulk-errors" },
          h("thead", {}, h("tr", {}, ...["Task", "Outcome", "Code", "Message"].map((label) => h("th", {}, label)))),
          h(
            "tbody",
            {},
            ...job.errors.map((error) =>
              h(
                "tr",
                {},
                h("td", {}, h("a", { href: `#/tasks/${error.task_uuid}`, class: "mono" }, error.task_uuid)),
                h("td", {}, error.outcome),
                h("td", { class: "mono" }, error.code),
                h("td", {}, error.message),
              ),
            ),
          ),
        ),
  );
}

/**
 * The panel; `currentFilter` is read at each dry run and run, so the action always acts on what the list shows;
 * `onFinished` is called once a started job has ended, for the list to show its effect.
 */
export function bulkPanel(currentFilter: () => TaskFilter, onFinished: () => void): { element: HTMLElement; stop: () => void } {
  const action = h(
    "select",
    { name: "bulk-action", "data-testid": "bulk-action" },
    ...ACTIONS.map((entry) => h("option", { value: entry.action }, entry.label)),
  );
  const reason = h("input", { name: "bulk-reason", placeholder: "why (recorded on every task)", "data-testid": "bulk-reason" });
  const outcome = h("div", { "data-testid": "bulk-outcome" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let dryRun: BulkDryRun | null = null;

  const request = (dry: boolean) => ({
    filter: bulkFilter(currentFilter()),
    action: action.value as BulkAction,
    reason: reason.value.trim(),
    ...(dry ? { dry_run: true } : {}),
  });
  const chosen = () => ACTIONS.find((entry) => entry.action === action.value) ?? ACTIONS[0];

  async function follow(jobId: string, cancel: HTMLButtonElement): Promise<void> {
    try {
      const job = await api<BulkJobView>("GET", `/v1/bulk-jobs/${jobId}`);
      if (stopped) return;
      replaceChildren(jobHost, progress(job));
      cancel.disabled = job.status !== "running";
      if (job.status === "running") timer = setTimeout(() => void follow(jobId, cancel), POLL_MS);
      else onFinished();
    } catch (error) {
      if (!stopped) replaceChildren(jobHost, refusalBox(error));
    }
  }
  const jobHost = h("div", {});

  async function start(): Promise<void> {
    const body = request(false);
    const count = dryRun?.matched ?? 0;
    const { label, effect } = chosen() ?? { label: "", effect: "" };
    const confirmed = await confirmAction({
      title: `${label}: ${count} task(s)?`,
      effect: `This ${effect}: it acts on the ${count} task(s) the dry run matched (and any that match by the time it starts). A task the action does not apply to is skipped.`,
      request: `POST /v1/bulk-jobs\n${JSON.stringify(body, null, 2)}`,
      confirmLabel: `${label} ${count} task(s)`,
    });
    if (!confirmed) return;
    try {
      const job = await api<BulkJobView>("POST", "/v1/bulk-jobs", { json: body });
      dryRun = null;
      const cancel = h(
        "button",
        {
          type: "button",
          class: "danger",
          "data-testid": "bulk-cancel",
          onclick: async () => {
            const ok = await confirmAction({
              title: "Cancel the bulk job?",
              effect: "Stops the job: the tasks it has already acted on stay as they are; the others are left alone.",
              request: `POST /v1/bulk-jobs/${job.job_id}/cancel`,
              confirmLabel: "Cancel the job",
            });
            if (!ok) return;
            try {
              await api("POST", `/v1/bulk-jobs/${job.job_id}/cancel`);
              clearTimeout(timer);
              void follow(job.job_id, cancel);
            } catch (error) {
              replaceChildren(jobHost, refusalBox(error));
            }
          },
        },
        "Cancel the job",
      );
      replaceChildren(outcome, jobHost, h("div", { class: "actions" }, cancel));
      replaceChildren(jobHost, progress(job));
      clearTimeout(timer);
      void follow(job.job_id, cancel);
    } catch (error) {
      replaceChildren(outcome, refusalBox(error));
    }
  }

  async function dry(): Promise<void> {
    clearTimeout(timer);
    dryRun = null;
    try {
      const answer = await api<BulkDryRun>("POST", "/v1/bulk-jobs", { json: request(true) });
      dryRun = answer;
      const { label } = chosen() ?? { label: "" };
      replaceChildren(
        outcome,
        h(
          "p",
          { "data-testid": "bulk-matched", "data-matched": answer.matched },
          `${answer.matched} task(s) match; nothing was changed.`,
        ),
        answer.sample.length === 0
          ? null
          : h(
              "ul",
              { class: "sample" },
              ...answer.sample.map((uuid) => h("li", {}, h("a", { href: `#/tasks/${uuid}`, class: "mono" }, uuid))),
            ),
        h("p", { class: "muted" }, "The filter sent:"),
        jsonBlock(answer.filter),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "danger",
              "data-testid": "bulk-run",
              disabled: answer.matched === 0,
              onclick: () => void start(),
            },
            `${label} ${answer.matched} task(s)…`,
          ),
        ),
      );
    } catch (error) {
      replaceChildren(outcome, refusalBox(error));
    }
  }

  const element = h(
    "section",
    { class: "repair", "data-testid": "bulk-panel" },
    h("h2", {}, "Act on every listed task"),
    h(
      "p",
      { class: "muted" },
      "One action over every task the filter above matches (all pages), as a bulk job. The dry run counts them first and changes nothing.",
    ),
    h(
      "div",
      { class: "fields" },
      h("label", {}, h("span", {}, "Action"), action),
      h("label", {}, h("span", {}, "Reason"), reason),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", "data-testid": "bulk-dry-run", onclick: () => void dry() }, "Dry run: how many match?"),
    ),
    outcome,
  );
  // A dry run counted for another action no longer applies; a started job's progress stays.
  action.addEventListener("change", () => {
    if (dryRun === null) return;
    dryRun = null;
    replaceChildren(outcome);
  });
  return {
    element,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
