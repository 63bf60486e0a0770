// A template's input_schema: checked for usability at load time, enforced on task context at submission.
import {
  dereference,
  type OutputUnit,
  type Schema,
  schemaArrayKeyword,
  schemaKeyword,
  schemaMapKeyword,
  Validator,
} from "@cfworker/json-schema";
import { isRecord } from "../engine/values";
import { appendPath, formatPath } from "./paths";
import type { TaskTemplate, TemplateProblem } from "./types";

/** One way a task's context fails its template's input_schema, at a path such as `context.order_id`. */
export interface ContextProblem {
  path: string;
  message: string;
}

const DRAFT = "2020-12";
const INSTANCE_TYPES = new Set(["array", "boolean", "integer", "null", "number", "object", "string"]);

// The validator walks (and annotates) its schema, so it gets a private copy and is built once per template.
const validators = new WeakMap<TaskTemplate, Validator>();

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

/** Visits every subschema, following only the keywords whose values are schemas (not `enum`, `const`, …). */
function walkSchema(node: unknown, path: PropertyKey[], visit: (schema: Record<string, unknown>, path: PropertyKey[]) => void) {
  if (!isRecord(node)) return;
  visit(node, path);
  for (const [key, value] of Object.entries(node)) {
    if (schemaArrayKeyword[key] && Array.isArray(value)) {
      for (const [i, item] of value.entries()) walkSchema(item, [...path, key, i], visit);
    } else if (schemaMapKeyword[key] && isRecord(value)) {
      for (const [name, item] of Object.entries(value)) walkSchema(item, [...path, key, name], visit);
    } else if (schemaKeyword[key]) {
      walkSchema(value, [...path, key], visit);
    }
  }
}

/**
 * Problems that would make the schema throw or misbehave when a task is submitted: unresolvable
 * `$ref`s (the validator throws on them), patterns that are not valid regular expressions, unknown
 * `type` names. It is not a full meta-schema check.
 */
export function checkInputSchema(schema: Record<string, unknown>): TemplateProblem[] {
  const copy = structuredClone(schema);
  let lookup: Record<string, Schema | boolean>;
  try {
    lookup = dereference(copy as Schema);
  } catch (error) {
    return [{ path: "input_schema", message: `is not a usable JSON Schema: ${(error as Error).message}` }];
  }
  const problems: TemplateProblem[] = [];
  const at = (path: PropertyKey[]) => formatPath(path, "input_schema");
  walkSchema(copy, [], (node, path) => {
    if (typeof node.$ref === "string") {
      const target = (node as Schema).__absolute_ref__ ?? node.$ref;
      if (lookup[target] === undefined)
        problems.push({ path: at([...path, "$ref"]), message: `$ref "${node.$ref}" does not resolve` });
    }
    if (typeof node.pattern === "string" && !compiles(node.pattern)) {
      problems.push({ path: at([...path, "pattern"]), message: "is not a valid regular expression" });
    }
    if (isRecord(node.patternProperties)) {
      for (const pattern of Object.keys(node.patternProperties)) {
        if (!compiles(pattern))
          problems.push({ path: at([...path, "patternProperties", pattern]), message: "is not a valid regular expression" });
      }
    }
    const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
    for (const type of types) {
      if (typeof type !== "string" || !INSTANCE_TYPES.has(type)) {
        problems.push({ path: at([...path, "type"]), message: `${JSON.stringify(type)} is not a JSON Schema type` });
      }
    }
  });
  return problems;
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
  let validator = validators.get(template);
  if (!validator) {
    validator = new Validator(structuredClone(template.input_schema) as Schema, DRAFT, false);
    validators.set(template, validator);
  }
  let errors: OutputUnit[];
  try {
    const result = validator.validate(context);
    if (result.valid) return [];
    errors = result.errors;
  } catch (error) {
    // Only non-JSON values (undefined, functions) get here: the loader rejects schemas that would throw.
    return [{ path: "context", message: `cannot be validated: ${(error as Error).message}` }];
  }
  return describeErrors(errors, context);
}

function describeErrors(errors: readonly OutputUnit[], context: unknown): ContextProblem[] {
  // Branch errors under a failed anyOf/oneOf describe alternatives, not what is wrong; keep the summary.
  const alternatives = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => `${e.keywordLocation}/`);
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
