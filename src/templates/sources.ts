// Loads a set of template files into a registry, failing with every problem of every file at once.
import { parseTemplate } from "./loader";
import { TemplateRegistry } from "./registry";
import type { TaskTemplate } from "./types";

export interface TemplateSource {
  /** Where the text came from (e.g. `templates/demo/slow_step.yaml`), used in error messages. */
  path: string;
  source: string;
}

/** Parses every source into one registry, or throws an Error listing each problem as `file: key path: message`. */
export function loadTemplateSources(sources: readonly TemplateSource[]): TemplateRegistry {
  const templates: TaskTemplate[] = [];
  const problems: string[] = [];
  for (const { path, source } of sources) {
    const result = parseTemplate(source, path.endsWith(".json") ? "json" : "yaml");
    if (result.ok) templates.push(result.template);
    else for (const problem of result.problems) problems.push(`${path}: ${problem.path || "(template)"}: ${problem.message}`);
  }
  if (problems.length > 0) throw new Error(`invalid templates:\n${problems.join("\n")}`);
  return new TemplateRegistry(templates);
}
