// A tiny validator for the wire contract, so the handler SDK's import path carries no schema library.
import { isRecord } from "../shared/values";

/** One reason a value was refused: where (a key path) and what kind of problem. */
export interface WireIssue {
  path: (string | number)[];
  code: "invalid_type" | "too_small" | "too_big" | "invalid_value";
  message: string;
}

/** Thrown by `parse` when a value does not fit: its message lists every issue. */
export class WireError extends Error {
  constructor(readonly issues: WireIssue[]) {
    super(issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; "));
    this.name = "WireError";
  }
}

export type WireParse<T> = { success: true; data: T } | { success: false; error: WireError };

/** A checker in the shape callers already use: `safeParse` answers, `parse` throws a WireError. */
export interface WireSchema<T> {
  safeParse(value: unknown): WireParse<T>;
  parse(value: unknown): T;
}

/** Reads one value, noting issues; returns the cleaned value (unknown keys of objects dropped). */
export type Reader<T> = (value: unknown, path: (string | number)[], issues: WireIssue[]) => T;

export function wireSchema<T>(read: Reader<T>): WireSchema<T> {
  const safeParse = (value: unknown): WireParse<T> => {
    const issues: WireIssue[] = [];
    const data = read(value, [], issues);
    return issues.length === 0 ? { success: true, data } : { success: false, error: new WireError(issues) };
  };
  return {
    safeParse,
    parse(value) {
      const parsed = safeParse(value);
      if (!parsed.success) throw parsed.error;
      return parsed.data;
    },
  };
}

/** A plain object (a JSON object), not an array, a class instance or a Map. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function typeIssue(path: (string | number)[], expected: string, issues: WireIssue[]): void {
  issues.push({ path, code: "invalid_type", message: `expected ${expected}` });
}

export function readString(value: unknown, path: (string | number)[], issues: WireIssue[], minLength = 0): string {
  if (typeof value !== "string") typeIssue(path, "string", issues);
  else if (value.length < minLength)
    issues.push({ path, code: "too_small", message: `expected at least ${minLength} character(s)` });
  return value as string;
}

export function readBoolean(value: unknown, path: (string | number)[], issues: WireIssue[]): boolean {
  if (typeof value !== "boolean") typeIssue(path, "boolean", issues);
  return value as boolean;
}

/** A finite number, at least 0; with `integer`, a safe integer. */
export function readCount(value: unknown, path: (string | number)[], issues: WireIssue[], integer: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value)) typeIssue(path, "number", issues);
  else if (integer && !Number.isInteger(value)) typeIssue(path, "integer", issues);
  else if (integer && !Number.isSafeInteger(value)) issues.push({ path, code: "too_big", message: "expected a safe integer" });
  else if (value < 0) issues.push({ path, code: "too_small", message: "expected a number >= 0" });
  return value as number;
}

/** Copies `key` into `into` when the input has it (an optional key stays absent when absent). */
export function readOptional<T>(
  from: Record<string, unknown>,
  key: string,
  into: Record<string, unknown>,
  path: (string | number)[],
  issues: WireIssue[],
  read: Reader<T>,
): void {
  if (!(key in from)) return;
  const value = from[key];
  into[key] = value === undefined ? undefined : read(value, [...path, key], issues);
}
