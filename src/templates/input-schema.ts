// A template's input_schema: checked at load time (usable, and cheap to enforce whatever it says), enforced on task context at submission.
import {
  dereference,
  ignoredKeyword,
  type OutputUnit,
  type Schema,
  schemaArrayKeyword,
  schemaKeyword,
  schemaMapKeyword,
  Validator,
  format as validatorFormats,
} from "@cfworker/json-schema";
import { isRecord } from "../shared/values";
import { FORMATS } from "./formats";
import { appendPath, formatPath } from "./paths";
import { patternProblem } from "./pattern-safety";
import { type SchemaNode, schemaApplicationProblems } from "./schema-applications";
import type { TaskTemplate, TemplateProblem } from "./types";

/** One way a task's context fails its template's input_schema, at a path such as `context.order_id`. */
export interface ContextProblem {
  path: string;
  message: string;
}

/** Most items `uniqueItems` may compare: the validator compares every pair, so `maxItems` must bound them. */
export const MAX_UNIQUE_ITEMS = 1_000;

const DRAFT = "2020-12";
const INSTANCE_TYPES = new Set(["array", "boolean", "integer", "null", "number", "object", "string"]);

// The validator reads format checks from this shared table; its own are regular expressions, some
// exponential (formats.ts), so they are all replaced by linear scans, and a schema may name no other.
for (const name of Object.keys(validatorFormats)) delete validatorFormats[name];
Object.assign(validatorFormats, FORMATS);
const FORMAT_LIST = Object.keys(FORMATS).join(", ");

// The validator walks (and annotates) its schema, so it gets a private copy and is built once per
// template; or, for a template stored before its schema's checks existed, the reason it is refused.
const validators = new WeakMap<TaskTemplate, Validator | ContextProblem[]>();

function validatorFor(template: TaskTemplate, schema: Record<string, unknown>): Validator | ContextProblem[] {
  let validator = validators.get(template);
  if (!validator) {
    // Loading checks every schema, but a registered template stored earlier comes back from the
    // catalog unchecked: check it once here rather than run a pattern that may backtrack.
    const [problem] = checkInputSchema(schema);
    validator = problem
      ? [{ path: "context", message: `cannot be validated: the template's ${problem.path} ${problem.message}` }]
      : new Validator(guardedCopy(schema), DRAFT, false);
    validators.set(template, validator);
  }
  return validator;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

/**
 * Visits every subschema the validator can apply, as its `dereference` indexes them: through the
 * schema keywords, and also under unknown keywords, which a `$ref` may point into. `proper` is false
 * for the latter. Iterative; the loader has already bounded the schema's depth.
 */
function walkSchema(root: unknown, visit: (schema: Record<string, unknown>, path: PropertyKey[], proper: boolean) => void): void {
  const pending: [unknown, PropertyKey[], boolean][] = [[root, [], true]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [node, path, proper] = entry;
    if (!isRecord(node)) continue;
    visit(node, path, proper);
    const children: [unknown, PropertyKey[], boolean][] = [];
    for (const [key, value] of Object.entries(node)) {
      if (ignoredKeyword[key]) continue;
      if (Array.isArray(value)) {
        if (schemaArrayKeyword[key]) for (const [i, item] of value.entries()) children.push([item, [...path, key, i], proper]);
      } else if (schemaMapKeyword[key]) {
        if (isRecord(value))
          for (const [name, item] of Object.entries(value)) children.push([item, [...path, key, name], proper]);
      } else children.push([value, [...path, key], proper && schemaKeyword[key] === true]);
    }
    // Reversed onto the stack, so subschemas are visited (and problems reported) in document order.
    pending.push(...children.reverse());
  }
}

/** Why a regular expression may not be used, or null; schemas often repeat one pattern, so answers are kept. */
function regexProblem(source: string, known: Map<string, string | null>): string | null {
  let problem = known.get(source);
  if (problem === undefined) {
    const unsafe = compiles(source) ? patternProblem(source) : "";
    problem = unsafe === null ? null : unsafe === "" ? "is not a valid regular expression" : `is refused: it ${unsafe}`;
    known.set(source, problem);
  }
  return problem;
}

/** Problems of one subschema's keywords that run on strings and arrays: patterns, formats, uniqueItems. */
function keywordProblems(
  node: Record<string, unknown>,
  path: PropertyKey[],
  proper: boolean,
  patterns: Map<string, string | null>,
): [PropertyKey[], string][] {
  const problems: [PropertyKey[], string][] = [];
  if (typeof node.pattern === "string") {
    const problem = regexProblem(node.pattern, patterns);
    if (problem) problems.push([[...path, "pattern"], problem]);
  }
  if (isRecord(node.patternProperties)) {
    for (const pattern of Object.keys(node.patternProperties)) {
      const problem = regexProblem(pattern, patterns);
      if (problem) problems.push([[...path, "patternProperties", pattern], problem]);
    }
  }
  if (typeof node.format === "string" && !Object.hasOwn(FORMATS, node.format)) {
    problems.push([
      [...path, "format"],
      `"${node.format}" is not a format tasker-edge checks (it checks ${FORMAT_LIST}); use pattern instead`,
    ]);
  }
  if (node.uniqueItems === true) {
    const max = node.maxItems;
    if (!(typeof max === "number" && Number.isInteger(max) && max <= MAX_UNIQUE_ITEMS)) {
      problems.push([
        [...path, "uniqueItems"],
        `needs maxItems of at most ${MAX_UNIQUE_ITEMS} beside it: checking uniqueness compares every pair of items`,
      ]);
    }
  }
  const types = !proper ? [] : Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  for (const type of types) {
    if (typeof type !== "string" || !INSTANCE_TYPES.has(type)) {
      problems.push([[...path, "type"], `${JSON.stringify(type)} is not a JSON Schema type`]);
    }
  }
  return problems;
}

/**
 * Problems that would make the schema throw, misbehave or cost more than linear time when a task is
 * submitted: unresolvable `$ref`s (the validator throws on them), `$ref`s that loop without
 * descending, subschemas reached so many ways that one value is checked too often, regular
 * expressions that are invalid or may backtrack, formats with no check, `uniqueItems` without a
 * small `maxItems`, unknown `type` names. It is not a full meta-schema check.
 */
export function checkInputSchema(schema: Record<string, unknown>): TemplateProblem[] {
  const copy = structuredClone(schema);
  let lookup: Record<string, Schema | boolean>;
  try {
    lookup = dereference(copy as Schema);
  } catch {
    return [
      {
        path: "input_schema",
        message: "is not a usable JSON Schema: an $id or $ref is not a valid URI reference, or two subschemas claim the same $id",
      },
    ];
  }
  const problems: TemplateProblem[] = [];
  const at = (path: PropertyKey[]) => formatPath(path, "input_schema");
  const nodes = new Map<Record<string, unknown>, PropertyKey[]>();
  const anchors: Record<string, unknown>[] = [];
  const patterns = new Map<string, string | null>();
  walkSchema(copy, (node, path, proper) => {
    nodes.set(node, path);
    if (node.$recursiveAnchor === true) anchors.push(node);
    if (typeof node.$ref === "string") {
      const target = (node as Schema).__absolute_ref__ ?? node.$ref;
      if (lookup[target] === undefined)
        problems.push({ path: at([...path, "$ref"]), message: `$ref "${node.$ref}" does not resolve` });
    }
    for (const [where, message] of keywordProblems(node, path, proper, patterns)) problems.push({ path: at(where), message });
  });
  if (problems.length > 0) return problems;
  // $recursiveRef "#" goes to the schema or to whichever $recursiveAnchor is in scope: count every candidate.
  const resolve = (node: Record<string, unknown>): SchemaNode[] => {
    const targets: SchemaNode[] = [];
    if (typeof node.$ref === "string") targets.push(lookup[(node as Schema).__absolute_ref__ ?? node.$ref] as SchemaNode);
    if (node.$recursiveRef === "#") {
      const base = lookup[(node as Schema).__absolute_recursive_ref__ ?? "#"];
      targets.push(...(base === undefined ? [copy] : [base as SchemaNode]), ...anchors);
    }
    return targets;
  };
  return schemaApplicationProblems(copy, nodes, resolve, at);
}

/** The validator's copy of a schema: `uniqueItems` runs only where `maxItems` already holds. */
function guardedCopy(schema: Record<string, unknown>): Schema {
  const copy = structuredClone(schema);
  // The validator keeps going after `maxItems` fails, so a long array would still have all its pairs compared.
  walkSchema(copy, (node) => {
    if (node.uniqueItems !== true || typeof node.maxItems !== "number") return;
    node.uniqueItems = undefined;
    // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword in a schema, never awaited
    const guard = { if: { maxItems: node.maxItems }, then: { uniqueItems: true } };
    node.allOf = Array.isArray(node.allOf) ? [...node.allOf, guard] : [guard];
  });
  return copy as Schema;
}

// Errors that only say "a subschema failed"; the specific errors below them carry the useful message.
const WRAPPER_KEYWORDS = new Set([
  "properties",
  "patternProperties",
  "additionalProperties",
  "unevaluatedProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "unevaluatedItems",
  "$ref",
  "$recursiveRef",
  "allOf",
  "if",
  "dependentSchemas",
  "propertyNames",
]);

/** Validates a task context against the template's input_schema; an empty list means it conforms. */
export function validateContext(template: TaskTemplate, context: unknown): ContextProblem[] {
  if (!template.input_schema) return [];
  const validator = validatorFor(template, template.input_schema);
  if (Array.isArray(validator)) return validator;
  let errors: OutputUnit[];
  try {
    const result = validator.validate(context);
    if (result.valid) return [];
    errors = result.errors;
  } catch {
    // Only non-JSON values (undefined, functions) should get here: the loader refuses schemas that
    // would throw or recurse too deeply. The validator's own message names its internals: not shown.
    return [{ path: "context", message: "cannot be validated against the template's input_schema" }];
  }
  return describeErrors(errors, context);
}

function describeErrors(errors: readonly OutputUnit[], context: unknown): ContextProblem[] {
  // Branch errors under a failed anyOf/oneOf describe alternatives, not what is wrong; keep the summary.
  // Distinct locations: one anyOf under `items` fails once per item, and comparing each error with
  // every failure would be quadratic in the context's size.
  const alternatives = [
    ...new Set(errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => `${e.keywordLocation}/`)),
  ];
  const specific = errors.filter(
    (e) => !WRAPPER_KEYWORDS.has(e.keyword) && !alternatives.some((prefix) => e.keywordLocation.startsWith(prefix)),
  );
  const problems = new Map<string, ContextProblem>();
  for (const error of specific.length > 0 ? specific : errors) {
    const problem = describeError(error, context);
    problems.set(`${problem.path}\u0000${problem.message}`, problem);
  }
  return [...problems.values()];
}

function describeError(error: OutputUnit, context: unknown): ContextProblem {
  const path = contextPath(error.instanceLocation, context);
  if (error.keyword === "required") {
    const property = /required property "(.*)"\.$/.exec(error.error)?.[1];
    if (property !== undefined) return { path: appendPath(path, property), message: "is required" };
  }
  if (error.keyword === "type") {
    const match = /^Instance type "(\w+)" is invalid\. Expected "(.*)"\.$/.exec(error.error);
    if (match) return { path, message: `must be ${match[2]?.split('", "').join(" or ")}, not ${match[1]}` };
  }
  if (error.keyword === "false") return { path, message: "is not allowed" };
  return { path, message: error.error };
}

/** Turns a JSON pointer such as `#/orders/0/amount` into `context.orders[0].amount`. */
function contextPath(pointer: string, context: unknown): string {
  let path = "context";
  let value = context;
  for (const encoded of pointer.replace(/^#/, "").split("/").slice(1)) {
    const segment = decodeSegment(encoded);
    if (Array.isArray(value) && /^\d+$/.test(segment)) {
      path = appendPath(path, Number(segment));
      value = value[Number(segment)];
    } else {
      path = appendPath(path, segment);
      value = isRecord(value) ? value[segment] : undefined;
    }
  }
  return path;
}

function decodeSegment(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Keep the raw segment: a path that is slightly off still beats losing the problem.
  }
  return decoded.replace(/~1/g, "/").replace(/~0/g, "~");
}
