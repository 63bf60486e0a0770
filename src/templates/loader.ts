// Loads a task template from YAML or JSON text, reporting every problem at once with the path of the bad key.
import * as yaml from "js-yaml";
import { MAX_TEMPLATE_STEPS } from "../shared/limits";
import { isRecord } from "../shared/values";
import { checkGraph, type GraphStep } from "./graph";
import { checkInputSchema, validateContext } from "./input-schema";
import { issuesToProblems } from "./issues";
import { templateErrorMap } from "./messages";
import { TemplateSchema } from "./schema";
import { checkStepTypes } from "./step-types";
import type { TaskTemplate, TemplateProblem } from "./types";

export type TemplateResult = { ok: true; template: TaskTemplate } | { ok: false; problems: TemplateProblem[] };
export type TemplateFormat = "yaml" | "json";

/**
 * Most values (maps, lists, scalars) a parsed template may hold, and how deeply they may nest. YAML
 * aliases can make a small text expand into a huge or circular value ("billion laughs"), and the
 * schema checks recurse; measuring first keeps both from exhausting the isolate.
 */
export const MAX_TEMPLATE_NODES = 200_000;
export const MAX_TEMPLATE_DEPTH = 64;

// YAML 1.2 core types keep dates and the like as strings (a template is JSON data); merge keys (`<<: *defaults`)
// are kept because sharing a retry block between steps is their natural use. @types/js-yaml omits `types`.
const { types } = yaml as unknown as { types: { merge: yaml.Type } };
const TEMPLATE_YAML_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [types.merge] });

/** Parses template text (YAML by default; JSON is accepted either way) and validates it. */
export function parseTemplate(source: string, format: TemplateFormat = "yaml"): TemplateResult {
  let raw: unknown;
  try {
    raw = format === "json" ? JSON.parse(source) : yaml.load(source, { schema: TEMPLATE_YAML_SCHEMA });
  } catch (error) {
    return { ok: false, problems: [{ path: "", message: syntaxErrorMessage(error, format) }] };
  }
  return validateTemplate(raw);
}

function syntaxErrorMessage(error: unknown, format: TemplateFormat): string {
  if (error instanceof yaml.YAMLException) {
    const { line, column } = error.mark;
    return `YAML syntax error at line ${line + 1}, column ${column + 1}: ${error.reason}`;
  }
  const detail = error instanceof Error ? error.message : String(error);
  return format === "json" ? `JSON syntax error: ${detail}` : `YAML syntax error: ${detail}`;
}

/** Why a value is too large to check safely, or undefined when it is not. */
function sizeProblem(value: unknown): string | undefined {
  const pending: [unknown, number][] = [[value, 0]];
  let visited = 0;
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    if (++visited > MAX_TEMPLATE_NODES) return `holds more than ${MAX_TEMPLATE_NODES} values (or a recursive YAML alias)`;
    const [next, depth] = entry;
    const children = Array.isArray(next) ? next : isRecord(next) ? Object.values(next) : [];
    if (children.length > 0 && depth >= MAX_TEMPLATE_DEPTH) {
      return `nests maps and lists more than ${MAX_TEMPLATE_DEPTH} levels deep (or has a recursive YAML alias)`;
    }
    for (const child of children) pending.push([child, depth + 1]);
  }
  return undefined;
}

/** Validates an already-parsed template (a plain JSON-like value) and applies every default. */
export function validateTemplate(raw: unknown): TemplateResult {
  const tooLarge = sizeProblem(raw);
  if (tooLarge) return { ok: false, problems: [{ path: "", message: `the template ${tooLarge}` }] };
  const parsed = TemplateSchema.safeParse(raw, { error: templateErrorMap });
  const problems = parsed.success ? [] : issuesToProblems(parsed.error.issues);
  // The graph and input_schema checks read the raw value, so their problems appear alongside type problems.
  const graph = graphStepsOf(raw);
  if (graph) problems.push(...checkGraph(graph));
  if (isRecord(raw) && isRecord(raw.input_schema)) problems.push(...checkInputSchema(raw.input_schema));
  if (parsed.success && problems.length === 0) problems.push(...checkStepTypes(parsed.data));
  if (parsed.success && problems.length === 0) problems.push(...scheduleContextProblems(parsed.data));
  if (parsed.success && problems.length === 0) return { ok: true, template: parsed.data };
  return { ok: false, problems: orderProblems(problems) };
}

/** Each declared schedule's context must satisfy the template's input_schema, as a submission's would. */
function scheduleContextProblems(template: TaskTemplate): TemplateProblem[] {
  return (template.schedules ?? []).flatMap((schedule, index) =>
    validateContext(template, schedule.context).map((problem) => ({
      path: `schedules[${index}].context`,
      message: problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`,
    })),
  );
}

/** The steps as the graph checks see them, or undefined when there is no usable list of steps. */
function graphStepsOf(raw: unknown): GraphStep[] | undefined {
  if (!isRecord(raw) || !Array.isArray(raw.steps) || raw.steps.length > MAX_TEMPLATE_STEPS) return undefined;
  return raw.steps.map((step: unknown): GraphStep => {
    const fields = isRecord(step) ? step : {};
    // An alias conflict is reported by the schema; the graph then follows `dependencies`.
    const dependenciesKey = fields.dependencies == null && fields.depends_on != null ? "depends_on" : "dependencies";
    const dependencies = fields[dependenciesKey];
    return {
      name: typeof fields.name === "string" ? fields.name : undefined,
      dependenciesKey,
      dependencies: Array.isArray(dependencies) ? dependencies.map((d: unknown) => (typeof d === "string" ? d : undefined)) : [],
    };
  });
}

/** Template-level problems first, then step by step in template order; duplicates dropped. */
function orderProblems(problems: readonly TemplateProblem[]): TemplateProblem[] {
  const unique = new Map(problems.map((problem) => [`${problem.path}\u0000${problem.message}`, problem]));
  const stepIndex = (path: string) => Number(/^steps\[(\d+)\]/.exec(path)?.[1] ?? -1);
  return [...unique.values()].sort((a, b) => stepIndex(a.path) - stepIndex(b.path));
}
