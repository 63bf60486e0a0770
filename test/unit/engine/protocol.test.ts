import { describe, expect, it } from "vitest";
import { StepMessageSchema, StepOutcomeSchema } from "../../../src/engine/protocol";
import { WireError } from "../../../src/engine/wire-check";

const message = { task_uuid: "t-1", step_uuid: "s-1", attempt: 0, dispatch_id: "d-1" };

describe("StepMessageSchema", () => {
  it("accepts identifiers and drops unknown keys", () => {
    expect(StepMessageSchema.parse({ ...message, extra: 1 })).toEqual(message);
  });

  it.each([
    ["a non-object", "body", []],
    ["an empty identifier", { ...message, task_uuid: "" }, ["task_uuid"]],
    ["a negative attempt", { ...message, attempt: -1 }, ["attempt"]],
    ["a fractional attempt", { ...message, attempt: 1.5 }, ["attempt"]],
    ["an unsafe integer attempt", { ...message, attempt: 2 ** 60 }, ["attempt"]],
    ["a missing dispatch id", { task_uuid: "t", step_uuid: "s", attempt: 1 }, ["dispatch_id"]],
  ])("refuses %s", (_label, body, path) => {
    const parsed = StepMessageSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues.map((issue) => issue.path)).toEqual([path]);
  });
});

describe("StepOutcomeSchema", () => {
  it("accepts a success, keeping a result that is undefined and dropping unknown keys", () => {
    expect(StepOutcomeSchema.parse({ success: true, result: undefined, extra: 1 })).toEqual({ success: true, result: undefined });
    const full = { success: true, result: { n: 1 }, metadata: { a: 1 }, execution_time_ms: 2.5 };
    expect(StepOutcomeSchema.parse(full)).toEqual(full);
  });

  it("accepts a failure and drops unknown keys of the error", () => {
    const error = { message: "m", error_code: "c", error_type: "T", retryable: true, retry_after_ms: 100 };
    expect(StepOutcomeSchema.parse({ success: false, error: { ...error, stack: "x" } })).toEqual({ success: false, error });
  });

  it.each([
    ["a success without result", { success: true }, ["result"]],
    ["a success flag that is not a boolean", { success: "true", result: 1 }, ["success"]],
    ["metadata that is an array", { success: true, result: 1, metadata: [] }, ["metadata"]],
    ["a negative execution time", { success: true, result: 1, execution_time_ms: -1 }, ["execution_time_ms"]],
    [
      "an infinite execution time",
      { success: true, result: 1, execution_time_ms: Number.POSITIVE_INFINITY },
      ["execution_time_ms"],
    ],
    ["a failure without error", { success: false }, ["error"]],
    ["a failure without retryable", { success: false, error: { message: "m" } }, ["error", "retryable"]],
    [
      "a fractional retry_after_ms",
      { success: false, error: { message: "m", retryable: true, retry_after_ms: 1.5 } },
      ["error", "retry_after_ms"],
    ],
  ])("refuses %s", (_label, outcome, path) => {
    const parsed = StepOutcomeSchema.safeParse(outcome);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues.map((issue) => issue.path)).toEqual([path]);
  });

  it("parse throws a WireError naming every issue", () => {
    expect(() => StepOutcomeSchema.parse({ success: false, error: { message: 1, retryable: "no" } })).toThrow(
      new WireError([
        { path: ["error", "message"], code: "invalid_type", message: "expected string" },
        { path: ["error", "retryable"], code: "invalid_type", message: "expected boolean" },
      ]),
    );
  });
});
