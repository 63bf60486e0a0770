import { describe, expect, it } from "vitest";
import { StepOutcomeSchema } from "../../../src/engine/protocol";
import { MAX_ERROR_MESSAGE_LENGTH, StepHandlerResult } from "../../../src/worker";

describe("StepHandlerResult", () => {
  it("turns a success into a success outcome with the result, metadata and execution time", () => {
    const outcome = StepHandlerResult.success({ valid: true }, { source: "cache" }).toOutcome(12);
    expect(outcome).toEqual({ success: true, result: { valid: true }, metadata: { source: "cache" }, execution_time_ms: 12 });
    expect(StepOutcomeSchema.safeParse(outcome).success).toBe(true);
  });

  it("reports a success without a result as null, since undefined has no JSON form", () => {
    expect(StepHandlerResult.success(undefined).toOutcome(0)).toEqual({ success: true, result: null, execution_time_ms: 0 });
  });

  it("defaults a failure to retryable with error_type handler_error, as Tasker's TypeScript SDK does", () => {
    const outcome = StepHandlerResult.failure("gateway timeout").toOutcome(5);
    expect(outcome).toEqual({
      success: false,
      error: { message: "gateway timeout", error_type: "handler_error", retryable: true },
      execution_time_ms: 5,
    });
  });

  it("carries error code, type, retryability, retry delay and metadata of a failure", () => {
    const outcome = StepHandlerResult.failure("card declined", {
      errorCode: "card_declined",
      errorType: "permanent_error",
      retryable: false,
      retryAfterMs: 1500.4,
      metadata: { provider: "stripe" },
    }).toOutcome(3);
    expect(outcome).toEqual({
      success: false,
      error: {
        message: "card declined",
        error_code: "card_declined",
        error_type: "permanent_error",
        retryable: false,
        retry_after_ms: 1500,
      },
      metadata: { provider: "stripe" },
      execution_time_ms: 3,
    });
    expect(StepOutcomeSchema.safeParse(outcome).success).toBe(true);
  });

  it("drops a retry delay the wire format cannot carry", () => {
    for (const retryAfterMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const outcome = StepHandlerResult.failure("x", { retryAfterMs }).toOutcome(0);
      expect(outcome.success === false && "retry_after_ms" in outcome.error).toBe(false);
    }
  });

  it("truncates a failure message to the maximum length", () => {
    const outcome = StepHandlerResult.failure("x".repeat(5_000)).toOutcome(0);
    expect(outcome.success).toBe(false);
    if (!outcome.success) expect(outcome.error.message).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
  });

  it("recognises its own instances and not look-alike plain objects", () => {
    expect(StepHandlerResult.isResult(StepHandlerResult.success(1))).toBe(true);
    expect(StepHandlerResult.isResult({ success: true, result: 1 })).toBe(false);
    expect(StepHandlerResult.isResult(null)).toBe(false);
  });

  it("never reports a negative execution time", () => {
    expect(StepHandlerResult.success(1).toOutcome(-4).execution_time_ms).toBe(0);
  });
});
