// Templates: the list, one template's graph before anything runs (and a form to run it), and the editor that validates and registers YAML.
import type { TaskView, TemplateDetail, TemplateList, TemplateValidation } from "../../src/client/types";
import { api, operatorName } from "../api";
import { h, jsonBlock, refusalBox, replaceChildren } from "../dom";
import { createGraphView } from "../graph-view";
import { buildGraph } from "../model/graph-model";

export function renderTemplateList(root: HTMLElement): () => void {
  const list = h("div", {});
  replaceChildren(
    root,
    h("h1", {}, "Templates"),
    h("p", {}, h("a", { href: "#/templates/new", class: "button" }, "New template…")),
    list,
  );
  api<TemplateList>("GET", "/v1/templates")
    .then((answer) =>
      replaceChildren(
        list,
        h(
          "table",
          { class: "list" },
          h(
            "thead",
            {},
            h("tr", {}, ...["Template", "Version", "Steps", "Origin", "Description"].map((label) => h("th", {}, label))),
          ),
          h(
            "tbody",
            {},
            ...answer.templates.map((template) =>
              h(
                "tr",
                {},
                h(
                  "td",
                  {},
                  h(
                    "a",
                    { href: `#/templates/${template.namespace}/${template.name}/${template.version}` },
                    `${template.namespace}/${template.name}`,
                  ),
                ),
                h("td", {}, template.version),
                h("td", { class: "num" }, template.step_count),
                h("td", {}, template.origin),
                h("td", { class: "muted" }, template.description ?? ""),
              ),
            ),
          ),
        ),
      ),
    )
    .catch((error) => replaceChildren(list, refusalBox(error)));
  return () => {};
}

function runForm(template: TemplateDetail): HTMLElement {
  const context = h("textarea", { rows: 6, class: "mono", spellcheck: false, "data-testid": "run-context" });
  context.value = "{}";
  const initiator = h("input", { value: operatorName.get(), "data-testid": "run-initiator" });
  const outcome = h("div", {});
  const form = h(
    "form",
    { class: "run" },
    h("h2", {}, "Run it"),
    h("label", { class: "wide" }, h("span", {}, "Context (JSON)"), context),
    h("label", {}, h("span", {}, "Initiator"), initiator),
    h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": "run-submit" }, "Submit task")),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const parsed: unknown = JSON.parse(context.value);
      const task = await api<TaskView>("POST", "/v1/tasks", {
        json: {
          namespace: template.namespace,
          name: template.name,
          version: template.version,
          context: parsed,
          initiator: initiator.value,
          source_system: "console",
        },
      });
      location.hash = `#/tasks/${task.task_uuid}`;
    } catch (error) {
      replaceChildren(outcome, refusalBox(error instanceof SyntaxError ? `the context is not JSON: ${error.message}` : error));
    }
  });
  return form;
}

export function renderTemplate(root: HTMLElement, namespace: string, name: string, version: string): () => void {
  const graphHost = h("div", { class: "graph-host", "data-testid": "graph" });
  const rest = h("div", {});
  replaceChildren(root, h("h1", {}, `${namespace}/${name} `, h("span", { class: "muted" }, version)), graphHost, rest);
  const path = `/v1/templates/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
  api<TemplateDetail>("GET", path)
    .then((template) => {
      createGraphView(graphHost, () => {}).update(buildGraph(template.steps, []));
      replaceChildren(
        rest,
        template.description ? h("p", {}, template.description) : null,
        h(
          "table",
          { class: "list" },
          h(
            "thead",
            {},
            h("tr", {}, ...["Step", "Type", "Handler", "Depends on", "Retry", "Timeout"].map((label) => h("th", {}, label))),
          ),
          h(
            "tbody",
            {},
            ...template.steps.map((step) =>
              h(
                "tr",
                {},
                h("td", {}, step.name, step.description ? h("div", { class: "muted" }, step.description) : null),
                h("td", {}, step.type),
                h("td", { class: "mono" }, step.callable),
                h("td", {}, step.dependencies.join(", ") || "—"),
                h("td", {}, step.retry.retryable ? `${step.retry.max_attempts} × ${step.retry.backoff}` : "no"),
                h("td", { class: "num" }, `${step.timeout_seconds} s`),
              ),
            ),
          ),
        ),
        template.input_schema ? h("details", {}, h("summary", {}, "Input schema"), jsonBlock(template.input_schema)) : null,
        runForm(template),
      );
      document.body.dataset.graphReady = `${namespace}/${name}`;
    })
    .catch((error) => replaceChildren(rest, refusalBox(error)));
  return () => {};
}

const STARTER = `name: hello
namespace_name: console
version: "1.0.0"
description: A first template written in the console.
steps:
  - name: greet
    handler: { callable: EchoHandler }
  - name: answer
    handler: { callable: EchoHandler }
    dependencies: [greet]
`;

export function renderTemplateEditor(root: HTMLElement): () => void {
  const source = h("textarea", { rows: 22, class: "mono editor", spellcheck: false, "data-testid": "template-source" });
  source.value = STARTER;
  const problems = h("div", { "data-testid": "template-problems" });
  let validated: TemplateValidation["template"] | undefined;
  const register = h("button", { type: "button", disabled: true, "data-testid": "template-register" }, "Register");

  async function validate(): Promise<void> {
    validated = undefined;
    register.disabled = true;
    try {
      const answer = await api<TemplateValidation>("POST", "/v1/templates/validate", { yaml: source.value });
      if (answer.valid && answer.template) {
        validated = answer.template;
        register.disabled = false;
        replaceChildren(
          problems,
          h(
            "div",
            { class: "done" },
            `Valid: ${answer.template.namespace}/${answer.template.name} ${answer.template.version}, ${answer.template.step_count} step(s).`,
          ),
        );
      } else {
        replaceChildren(
          problems,
          h(
            "ul",
            { class: "problems" },
            ...answer.problems.map((problem) =>
              h("li", {}, h("code", {}, problem.path === "" ? "(template)" : problem.path), " ", problem.message),
            ),
          ),
        );
      }
    } catch (error) {
      replaceChildren(problems, refusalBox(error));
    }
  }
  register.addEventListener("click", async () => {
    if (!validated) return;
    const { namespace, name, version } = validated;
    try {
      const detail = await api<TemplateDetail>(
        "PUT",
        `/v1/templates/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(version)}`,
        { yaml: source.value },
      );
      location.hash = `#/templates/${detail.namespace}/${detail.name}/${detail.version}`;
    } catch (error) {
      replaceChildren(problems, refusalBox(error));
    }
  });
  source.addEventListener("input", () => {
    validated = undefined;
    register.disabled = true;
  });
  replaceChildren(
    root,
    h("h1", {}, "New template"),
    h(
      "p",
      { class: "muted" },
      "Validated by the API (POST /v1/templates/validate); each problem is shown at its key path. Register stores it (PUT /v1/templates/…); a registered version never changes.",
    ),
    source,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", "data-testid": "template-validate", onclick: () => void validate() }, "Validate"),
      register,
    ),
    problems,
  );
  return () => {};
}
