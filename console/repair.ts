// The operator's repairs: every action the API has on a step or a task, each confirmed first, with the API's refusal shown as it is.
import type { StepView, TaskView } from "../src/client/types";
import { api, operatorName } from "./api";
import { confirmAction, h, refusalBox, replaceChildren } from "./dom";

interface Action {
  id: string;
  label: string;
  title: string;
  effect: string;
  method: "PATCH" | "DELETE";
  path: string;
  /** The body, from the reason and operator name typed in (and, for complete_manually, the result); throws to refuse locally. */
  body: (reason: string, operator: string) => unknown;
}

/**
 * Reason and operator fields and the action buttons; the outcome goes to `outcome`, which the page keeps
 * outside the panel so that it survives the panel being rebuilt for the new state.
 */
function actionPanel(
  heading: string,
  actions: Action[],
  extra: HTMLElement | null,
  onDone: () => void,
  outcome: HTMLElement,
): HTMLElement {
  const reason = h("input", { name: "reason", placeholder: "why (recorded in the audit)", required: true });
  const operator = h("input", { name: "operator", value: operatorName.get() });
  const buttons = actions.map((action) =>
    h(
      "button",
      {
        type: "button",
        class: "danger",
        "data-action": action.id,
        onclick: async () => {
          operatorName.set(operator.value);
          let body: unknown;
          try {
            body = action.body(reason.value.trim(), operator.value.trim());
          } catch (error) {
            replaceChildren(outcome, refusalBox(error instanceof Error ? error.message : error));
            return;
          }
          const request = `${action.method} ${action.path}\n${JSON.stringify(body, null, 2)}`;
          if (!(await confirmAction({ title: action.title, effect: action.effect, request, confirmLabel: action.label }))) return;
          try {
            await api(action.method, action.path, { json: body });
            replaceChildren(outcome, h("div", { class: "done", "data-testid": "action-done" }, `${action.label}: done.`));
            onDone();
          } catch (error) {
            replaceChildren(outcome, refusalBox(error));
          }
        },
      },
      action.label,
    ),
  );
  return h(
    "section",
    { class: "repair" },
    h("h2", {}, heading),
    h(
      "div",
      { class: "fields" },
      h("label", {}, h("span", {}, "Reason"), reason),
      h("label", {}, h("span", {}, "Recorded as"), operator),
    ),
    extra,
    h("div", { class: "actions" }, ...buttons),
  );
}

export function taskRepairPanel(task: TaskView, onDone: () => void, outcome: HTMLElement): HTMLElement {
  const path = `/v1/tasks/${task.task_uuid}`;
  const label = `${task.namespace}/${task.name}`;
  return actionPanel(
    "Act on the task",
    [
      {
        id: "cancel",
        label: "Cancel task",
        title: `Cancel ${label}?`,
        effect:
          "Cancels the task and every step that has not finished; steps in flight are not interrupted but their results are dropped. A cancelled task never resumes.",
        method: "DELETE",
        path,
        body: (reason) => (reason === "" ? {} : { reason }),
      },
      {
        id: "give_up",
        label: "Give up",
        title: `Give up on ${label}?`,
        effect: "Ends a task blocked by failures in error: nothing else runs. Only a blocked task can be given up.",
        method: "PATCH",
        path,
        body: (reason, operator) => ({ action_type: "give_up", reason, performed_by: operator }),
      },
      {
        id: "resolve_task",
        label: "Resolve task",
        title: `Resolve ${label} by hand?`,
        effect:
          "Ends a task blocked by failures as resolved_manually: you declare its outcome handled outside the engine; its unfinished steps do not run.",
        method: "PATCH",
        path,
        body: (reason, operator) => ({ action_type: "resolve_manually", reason, performed_by: operator }),
      },
    ],
    null,
    onDone,
    outcome,
  );
}

export function stepRepairPanel(step: StepView, onDone: () => void, outcome: HTMLElement): HTMLElement {
  const path = `/v1/tasks/${step.task_uuid}/workflow_steps/${step.step_uuid}`;
  const result = h("textarea", { name: "result", rows: 6, class: "mono", spellcheck: false, "data-testid": "completion-result" });
  result.value = JSON.stringify(step.results ?? {}, null, 2);
  const resultField = h("label", { class: "wide" }, h("span", {}, "Result for “Complete by hand” (JSON)"), result);
  return actionPanel(
    "Repair this step",
    [
      {
        id: "reset_for_retry",
        label: "Reset for retry",
        title: `Reset ${step.name} for retry?`,
        effect:
          "Puts the failed step back to pending with its attempts reset, so its handler runs again; a task blocked by failures resumes.",
        method: "PATCH",
        path,
        body: (reason, operator) => ({ action_type: "reset_for_retry", reason, reset_by: operator }),
      },
      {
        id: "resolve_manually",
        label: "Resolve by hand",
        title: `Resolve ${step.name} by hand?`,
        effect:
          "Marks the step resolved_manually without a result: the steps after it run as if it had completed; a blocked task resumes.",
        method: "PATCH",
        path,
        body: (reason, operator) => ({ action_type: "resolve_manually", reason, resolved_by: operator }),
      },
      {
        id: "complete_manually",
        label: "Complete by hand",
        title: `Complete ${step.name} with this result?`,
        effect:
          "Completes the step with the result you wrote, as if its handler had returned it: the steps after it read that result; a blocked task resumes.",
        method: "PATCH",
        path,
        body: (reason, operator) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(result.value);
          } catch (error) {
            throw new Error(`the result is not JSON: ${(error as Error).message}`);
          }
          return { action_type: "complete_manually", reason, completed_by: operator, completion_data: { result: parsed } };
        },
      },
    ],
    resultField,
    onDone,
    outcome,
  );
}
