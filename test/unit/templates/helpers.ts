// Test helpers for the template loader: the example and bench YAML files read from disk, and small raw templates to break.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { parseTemplate, type TemplateResult } from "../../../src/templates/loader";
import type { TaskTemplate, TemplateProblem } from "../../../src/templates/types";

export const PROJECT_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** Where the template files are: the demo orchestrator's, and the bench's. */
export const TEMPLATE_DIRS = ["examples/orchestrator/templates", "bench/templates"].map((dir) => join(PROJECT_ROOT, dir));

/** Every file under the template directories, relative to the project root (`examples/orchestrator/templates/demo/slow_step.yaml`). */
export function templateFiles(): string[] {
  return TEMPLATE_DIRS.flatMap((dir) => readdirSync(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(PROJECT_ROOT, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

export function readProjectFile(path: string): string {
  return readFileSync(join(PROJECT_ROOT, path), "utf8");
}

/** Loads a bundled template from disk, failing the test with its problems if it does not load. */
export function loadFile(path: string): TaskTemplate {
  const result = parseTemplate(readProjectFile(path));
  if (!result.ok) throw new Error(`${path}: ${JSON.stringify(result.problems, null, 2)}`);
  return result.template;
}

export type RawStep = Record<string, unknown>;

/** A raw step with a handler, so a test only spells out what it is about. */
export function step(name: string, fields: RawStep = {}): RawStep {
  return { name, handler: { callable: `${name}_handler` }, ...fields };
}

/** A raw template around the given steps. */
export function template(steps: unknown, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: "sample", namespace_name: "testing", version: "1.0.0", steps, ...fields };
}

export function problemsOf(result: TemplateResult): TemplateProblem[] {
  expect(result.ok, "expected the template to be rejected").toBe(false);
  return result.ok ? [] : result.problems;
}

export function templateOf(result: TemplateResult): TaskTemplate {
  if (!result.ok) throw new Error(`expected the template to load: ${JSON.stringify(result.problems, null, 2)}`);
  return result.template;
}
