// Which templates start which as child tasks, and whether those references loop back.
import { templateKey, WORKFLOW_HANDLER } from "../shared/names";
import type { TaskTemplate } from "./types";
import { parseWorkflowConfig } from "./workflow-config";

const keyOf = (t: TaskTemplate) => templateKey(t.namespace_name, t.name, t.version);

/** The child templates `template`'s workflow steps name, their namespace resolved (a null version: the newest). */
export function workflowReferences(template: TaskTemplate): { namespace: string; name: string; version: string | null }[] {
  const references: { namespace: string; name: string; version: string | null }[] = [];
  for (const step of template.steps) {
    if (step.handler.callable !== WORKFLOW_HANDLER) continue;
    const parsed = parseWorkflowConfig(step.handler.initialization);
    if (!parsed.ok) continue;
    const { namespace, name, version } = parsed.config.template;
    references.push({ namespace: namespace ?? template.namespace_name, name, version });
  }
  return references;
}

/** The templates each workflow step of `template` may start (every version, when the step names none). */
export function childTemplatesOf(template: TaskTemplate, all: readonly TaskTemplate[]): TaskTemplate[] {
  return workflowReferences(template).flatMap(({ namespace, name, version }) =>
    all.filter((t) => t.namespace_name === namespace && t.name === name && (version === null || t.version === version)),
  );
}

/** A loop of templates starting each other as child tasks (first template repeated at the end), or null. */
export function findWorkflowCycle(templates: readonly TaskTemplate[]): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const path: TaskTemplate[] = [];
  const visit = (template: TaskTemplate): string[] | null => {
    const key = keyOf(template);
    if (state.get(key) === "done") return null;
    if (state.get(key) === "visiting") {
      const start = path.findIndex((t) => keyOf(t) === key);
      return [...path.slice(start).map(keyOf), key];
    }
    state.set(key, "visiting");
    path.push(template);
    for (const child of childTemplatesOf(template, templates)) {
      const cycle = visit(child);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(key, "done");
    return null;
  };
  for (const template of templates) {
    const cycle = visit(template);
    if (cycle) return cycle;
  }
  return null;
}
