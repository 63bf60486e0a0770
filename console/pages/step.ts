// One step: its inputs (a batch worker's cursor), results, last error, attempts, next retry, its audit and its repairs.
import type { StepAuditResponse, StepView } from "../../src/client/types";
import { FINISHED_STEP_STATES } from "../../src/engine/states";
import { api } from "../api";
import { badge, h, jsonBlock, refusalBox, replaceChildren, time } from "../dom";
import { pageLoop } from "../page-loop";
import { stepRepairPanel } from "../repair";
import { timeline } from "../timeline";

const POLL_MS = 1_500;

/** A sleep's wake time, or the event awaited, the fields it must match and its timeout. */
function waitingText(waiting: NonNullable<StepView["waiting"]>): (HTMLElement | string)[] {
  if (waiting.kind === "sleep") return ["sleeps: wakes at ", time(waiting.wakes_at)];
  const match = Object.entries(waiting.match);
  return [
    "waits for event ",
    h("code", {}, waiting.event),
    match.length === 0 ? "" : ` matching ${match.map(([key, value]) => `${key} = ${JSON.stringify(value)}`).join(", ")}`,
    waiting.timeout_at ? " until " : " with no timeout",
    waiting.timeout_at ? time(waiting.timeout_at) : "",
  ];
}

function details(step: StepView): HTMLElement {
  return h(
    "dl",
    { class: "summary" },
    h("dt", {}, "State"),
    h("dd", { "data-testid": "step-state" }, badge(step.current_state)),
    h("dt", {}, "Type"),
    h("dd", {}, `${step.type} · handler ${step.callable}`),
    h("dt", {}, "Attempts"),
    h(
      "dd",
      {},
      `${step.attempts} of ${step.max_attempts}`,
      step.retryable ? "" : " (not retryable)",
      ` · timeout ${step.timeout_seconds} s`,
    ),
    h("dt", {}, "Next retry"),
    h("dd", {}, time(step.next_retry_at)),
    h("dt", {}, "Last attempted"),
    h("dd", {}, time(step.last_attempted_at)),
    h("dt", {}, "Depends on"),
    h(
      "dd",
      {},
      step.dependencies.length === 0
        ? "—"
        : `${step.dependencies.join(", ")} (${step.completed_parents}/${step.total_parents} done)`,
    ),
    step.waiting ? h("dt", {}, "Waiting") : null,
    step.waiting ? h("dd", { "data-testid": "step-waiting" }, ...waitingText(step.waiting)) : null,
    step.child_task_uuid ? h("dt", {}, "Child task") : null,
    step.child_task_uuid
      ? h("dd", {}, h("a", { href: `#/tasks/${step.child_task_uuid}`, "data-testid": "step-child-link" }, step.child_task_uuid))
      : null,
  );
}

export function renderStep(root: HTMLElement, taskUuid: string, stepUuid: string): () => void {
  const body = h("div", {});
  const repairHost = h("div", {});
  const outcome = h("div", { class: "outcome", "data-testid": "action-outcome" });
  const auditHost = h("div", {});
  replaceChildren(root, body, repairHost, outcome, h("h2", {}, "Audit"), auditHost);
  const loop = pageLoop(refresh);
  let repairFor = "";

  async function refresh(): Promise<number | null> {
    let step: StepView | null = null;
    try {
      const [view, audit] = await Promise.all([
        api<StepView>("GET", `/v1/tasks/${taskUuid}/workflow_steps/${stepUuid}`),
        api<StepAuditResponse>("GET", `/v1/tasks/${taskUuid}/workflow_steps/${stepUuid}/audit`),
      ]);
      step = view;
      if (loop.stopped) return null;
      replaceChildren(
        body,
        h("p", {}, h("a", { href: `#/tasks/${taskUuid}`, "data-testid": "back-to-task" }, "← the task")),
        h("h1", {}, view.name),
        details(view),
        h("h2", {}, "Inputs"),
        view.inputs === null ? h("p", { class: "muted" }, "None (only a batch worker has a cursor).") : jsonBlock(view.inputs),
        h("h2", {}, "Results"),
        view.results === null ? h("p", { class: "muted" }, "None yet.") : jsonBlock(view.results),
        h("h2", {}, "Last error"),
        view.last_error === null
          ? h("p", { class: "muted" }, "None.")
          : h(
              "div",
              { class: "error-box", "data-testid": "last-error" },
              h(
                "strong",
                {},
                `${view.last_error.error_code}${view.last_error.error_type ? ` (${view.last_error.error_type})` : ""}`,
              ),
              `: ${view.last_error.message}`,
              h(
                "div",
                { class: "muted" },
                `attempt ${view.last_error.attempt}, ${view.last_error.retryable ? "retryable" : "not retryable"}, `,
                time(view.last_error.at),
              ),
            ),
      );
      // Rebuilt only when the state changes, so the reason and result being typed survive a poll.
      if (repairFor !== view.current_state) {
        repairFor = view.current_state;
        replaceChildren(
          repairHost,
          stepRepairPanel(view, () => void loop.now(), outcome),
        );
      }
      replaceChildren(auditHost, timeline(audit.transitions));
    } catch (error) {
      if (!loop.stopped) replaceChildren(body, refusalBox(error));
    }
    return step === null || !FINISHED_STEP_STATES.has(step.current_state) ? POLL_MS : null;
  }
  void loop.now();
  return () => loop.stop();
}
