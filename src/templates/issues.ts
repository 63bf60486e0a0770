// Turns zod issues about a raw template into TemplateProblems with readable messages and paths.
import type { z } from "zod";
import { formatPath } from "./paths";
import { knownKeysAt } from "./schema";
import type { TemplateProblem } from "./types";

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

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known key a typo most likely meant: a close spelling, or a key the typo is a prefix of (`timeout`). */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key ?? known.find((candidate) => key.length >= 4 && candidate.startsWith(key));
}

export function issuesToProblems(issues: readonly z.core.$ZodIssue[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      // One problem per key, each at the key's own path, so an editor can point at every typo.
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        const suggestion = suggestKey(key, known);
        problems.push({
          path: formatPath([...issue.path, key]),
          message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
        });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}
