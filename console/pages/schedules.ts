// The schedules: each with its next fire, whether it is paused and its last task, and its pause, resume, trigger and delete.
import type { z } from "zod";
import type { ScheduleListSchema, ScheduleSummarySchema, ScheduleTriggerSchema } from "../../src/contract/responses";
import { allPages, api } from "../api";
import { confirmAction, h, refusalBox, replaceChildren, time } from "../dom";
import { pageLoop } from "../page-loop";

type ScheduleSummary = z.output<typeof ScheduleSummarySchema>;
type ScheduleList = z.output<typeof ScheduleListSchema>;
type ScheduleTrigger = z.output<typeof ScheduleTriggerSchema>;

const REFRESH_MS = 5_000;
const PER_PAGE = 100;

interface ScheduleAction {
  id: "pause" | "resume" | "trigger" | "delete";
  label: string;
  effect: string;
  method: "POST" | "DELETE";
  path: string;
}

function actionsOf(schedule: ScheduleSummary): ScheduleAction[] {
  const path = `/v1/schedules/${encodeURIComponent(schedule.schedule_id)}`;
  return [
    schedule.paused
      ? {
          id: "resume",
          label: "Resume",
          effect:
            "Resumes the schedule from its next fire time after now; fire times passed while it was paused are not caught up.",
          method: "POST",
          path: `${path}/resume`,
        }
      : {
          id: "pause",
          label: "Pause",
          effect: "Pauses the schedule: it starts no task until resumed.",
          method: "POST",
          path: `${path}/pause`,
        },
    {
      id: "trigger",
      label: "Trigger now",
      effect: `Fires the schedule at once, outside its times, under its overlap policy (${schedule.overlap}): it may start a task of ${schedule.namespace}/${schedule.template_name}.`,
      method: "POST",
      path: `${path}/trigger`,
    },
    {
      id: "delete",
      label: "Delete",
      effect:
        "Deletes the schedule: it never fires again. Only a schedule made through the API can be deleted; a template's go with the template.",
      method: "DELETE",
      path,
    },
  ];
}

function triggerOutcome(answer: ScheduleTrigger): HTMLElement {
  return h(
    "div",
    { class: "done", "data-testid": "trigger-outcome", "data-outcome": answer.outcome },
    `Trigger of ${answer.schedule.schedule_id}: ${answer.outcome}`,
    answer.detail ? ` (${answer.detail})` : "",
    answer.task_uuid
      ? h(
          "span",
          {},
          " · ",
          h("a", { href: `#/tasks/${answer.task_uuid}`, "data-testid": "triggered-task" }, `task ${answer.task_uuid}`),
        )
      : null,
  );
}

function row(schedule: ScheduleSummary, act: (schedule: ScheduleSummary, action: ScheduleAction) => void): HTMLTableRowElement {
  return h(
    "tr",
    { "data-schedule": schedule.schedule_id },
    h("td", { class: "mono" }, schedule.schedule_id),
    h(
      "td",
      {},
      `${schedule.namespace}/${schedule.template_name}`,
      h("span", { class: "muted" }, ` ${schedule.template_version ?? "newest"}`),
    ),
    h(
      "td",
      {},
      schedule.cron ? h("code", {}, schedule.cron) : `every ${schedule.interval_seconds ?? "?"} s`,
      schedule.cron ? h("span", { class: "muted" }, ` ${schedule.timezone}`) : null,
    ),
    h("td", {}, schedule.source),
    h("td", { "data-testid": "schedule-paused" }, schedule.paused ? h("strong", {}, "paused") : "active"),
    h("td", {}, time(schedule.next_fire_at)),
    h(
      "td",
      {},
      schedule.last_task_uuid
        ? h("a", { href: `#/tasks/${schedule.last_task_uuid}`, "data-testid": "last-task" }, "last task")
        : "—",
      schedule.last_fire_at ? h("div", { class: "muted" }, time(schedule.last_fire_at)) : null,
    ),
    h(
      "td",
      {},
      h(
        "div",
        { class: "actions" },
        ...actionsOf(schedule).map((action) =>
          h(
            "button",
            { type: "button", class: "danger", "data-action": action.id, onclick: () => act(schedule, action) },
            action.label,
          ),
        ),
      ),
    ),
  );
}

export function renderSchedules(root: HTMLElement): () => void {
  const outcome = h("div", { class: "outcome", "data-testid": "action-outcome" });
  const list = h("section", { "data-testid": "schedule-list" });
  replaceChildren(
    root,
    h("h1", {}, "Schedules"),
    h(
      "p",
      { class: "muted" },
      "Schedules from templates (source template) and made through the API (source api), as the schedule index lists them.",
    ),
    outcome,
    list,
  );
  const loop = pageLoop(refresh);

  async function act(schedule: ScheduleSummary, action: ScheduleAction): Promise<void> {
    const confirmed = await confirmAction({
      title: `${action.label}: ${schedule.schedule_id}?`,
      effect: action.effect,
      request: `${action.method} ${action.path}`,
      confirmLabel: action.label,
    });
    if (!confirmed) return;
    try {
      const answer = await api<unknown>(action.method, action.path);
      replaceChildren(
        outcome,
        action.id === "trigger"
          ? triggerOutcome(answer as ScheduleTrigger)
          : h("div", { class: "done", "data-testid": "action-done" }, `${action.label} ${schedule.schedule_id}: done.`),
      );
    } catch (error) {
      replaceChildren(outcome, refusalBox(error));
    }
    await loop.now();
  }

  async function refresh(): Promise<number | null> {
    try {
      const { items } = await allPages<ScheduleList, ScheduleSummary>(
        (page) => `/v1/schedules?per_page=${PER_PAGE}&page=${page}`,
        (answer) => answer.schedules,
      );
      if (loop.stopped) return null;
      replaceChildren(
        list,
        items.length === 0
          ? h("p", { class: "muted" }, "No schedule.")
          : h(
              "table",
              { class: "list" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ...["Schedule", "Template", "When", "Source", "State", "Next fire", "Last task", ""].map((label) =>
                    h("th", {}, label),
                  ),
                ),
              ),
              h("tbody", {}, ...items.map((schedule) => row(schedule, (s, a) => void act(s, a)))),
            ),
      );
    } catch (error) {
      if (!loop.stopped) replaceChildren(list, refusalBox(error));
    }
    return REFRESH_MS;
  }
  void loop.now();
  return () => loop.stop();
}
