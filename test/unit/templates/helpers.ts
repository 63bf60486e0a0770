// Test helpers for the template loader: the bundled YAML files read from disk, and small raw templates to break.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { parseTemplate, type TemplateResult } from "../../../src/templates/loader";
import type { TaskTemplate, TemplateProblem } from "../../../src/templates/types";

export const PROJECT_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const TEMPLATES_DIR = join(PROJECT_ROOT, "templates");

/** Every file under templates/, as paths relative to the project root (`templates/demo/slow_step.yaml`). */
export function templateFiles(): string[] {
  return readdirSync(TEMPLATES_DIR, { recursive: true, withFileTypes: true })
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
