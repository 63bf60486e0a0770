// A task's pause: the banner saying who paused it, when and why, and the pause and resume actions, each confirmed with a reason.
import type { TaskView } from "../src/client/types";
import { isTerminalTaskState } from "../src/engine/states";
import { api, operatorName } from "./api";
import { confirmAction, h, refusalBox, replaceChildren, time } from "./dom";

/** Who paused the task, when and why; and when a finished task's data is purged. Null when neither applies. */
export function pauseBanner(task: TaskView): HTMLElement | null {
  if (task.paused === null && task.purge_at === null) return null;
  return h(
    "div",
    {},
    task.paused
      ? h(
          "div",
          { class: "paused-banner", "data-testid": "paused-banner" },
          h("strong", {}, "Paused"),
          ` by ${task.paused.performed_by} `,
          time(task.paused.paused_at),
          `: ${task.paused.reason}. Nothing new is dispatched until it is resumed; steps in flight finish.`,
        )
      : null,
    task.purge_at
      ? h("p", { class: "muted", "data-testid": "purge-at" }, "Its data is purged after ", time(task.purge_at), ".")
      : null,
  );
}

/** Pause (or resume, when paused) with a reason; nothing for a finished task. */
export function pausePanel(task: TaskView, onDone: () => void, outcome: HTMLElement): HTMLElement | null {
  if (isTerminalTaskState(task.status)) return null;
  const resume = task.paused !== null;
  const verb = resume ? "resume" : "pause";
  const reason = h("input", { name: "pause-reason", placeholder: "why (recorded in the audit)", "data-testid": "pause-reason" });
  const button = h(
    "button",
    {
      type: "button",
      class: "danger",
      "data-action": verb,
      onclick: async () => {
        const body = { reason: reason.value.trim(), performed_by: operatorName.get() };
        const path = `/v1/tasks/${task.task_uuid}/${verb}`;
        const confirmed = await confirmAction({
          title: `${resume ? "Resume" : "Pause"} ${task.namespace}/${task.name}?`,
          effect: resume
            ? "Resumes the task where it was: its ready steps are dispatched again."
            : "Pauses the task: nothing new is dispatched until it is resumed; steps in flight finish and their results are kept.",
          request: `POST ${path}\n${JSON.stringify(body, null, 2)}`,
          confirmLabel: resume ? "Resume task" : "Pause task",
        });
        if (!confirmed) return;
        try {
          await api("POST", path, { json: body });
          replaceChildren(
            outcome,
            h("div", { class: "done", "data-testid": "action-done" }, `${resume ? "Resumed" : "Paused"}.`),
          );
          onDone();
        } catch (error) {
          replaceChildren(outcome, refusalBox(error));
        }
      },
    },
    resume ? "Resume task" : "Pause task",
  );
  return h(
    "section",
    { class: "repair", "data-testid": "pause-panel" },
    h("h2", {}, resume ? "Resume the task" : "Pause the task"),
    h("div", { class: "fields" }, h("label", {}, h("span", {}, "Reason"), reason)),
    h("div", { class: "actions" }, button),
  );
}
