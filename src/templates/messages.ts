// Messages for problems with template values: how a value is described and zod's built-in issues phrased for authors.
import type { z } from "zod";

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a map of keys to values",
  record: "a map of keys to values",
};

/** Describes a parsed YAML/JSON value for a message, e.g. `the string "three"`. */
export function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
      return `the number ${value}`;
    case "boolean":
      return String(value);
    case "object":
      return "a map";
    default:
      return typeof value;
  }
}

function sizeOf(value: unknown): string {
  if (typeof value === "string") return ` (it has ${value.length})`;
  if (Array.isArray(value)) return ` (it has ${value.length})`;
  return "";
}

/** Messages for zod's built-in issues, used as the parse-time error map (schema-level messages win). */
export const templateErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describeValue(issue.input)}`;
    }
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "string") return min <= 1 ? "must not be empty" : `must be at least ${min} characters long`;
      if (issue.origin === "array") return `must list at least ${min} item${min === 1 ? "" : "s"}`;
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "string") return `must be at most ${max} characters long${sizeOf(issue.input)}`;
      if (issue.origin === "array") return `must list at most ${max} items${sizeOf(issue.input)}`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")}, not ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
};
