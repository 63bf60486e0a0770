import { describe, expect, it } from "vitest";
import { classifyError, PermanentError, RetryableError, StepHandlerResult } from "../../../src/worker";

describe("PermanentError and RetryableError", () => {
  it("carry a string code, a retryable flag and their names", () => {
    const permanent = new PermanentError("bad id", { errorCode: "invalid_id", context: { field: "order_id" } });
    expect(permanent).toBeInstanceOf(Error);
    expect(permanent).toMatchObject({ name: "PermanentError", message: "bad id", code: "invalid_id", retryable: false });
    expect(permanent.context).toEqual({ field: "order_id" });
    const retryable = new RetryableError("gateway down", { errorCode: "gateway_down", retryAfterMs: 2000 });
    expect(retryable).toMatchObject({ name: "RetryableError", code: "gateway_down", retryable: true, retryAfterMs: 2000 });
  });

  it("default their codes to the error type", () => {
    expect(new PermanentError("x").code).toBe("permanent_error");
    expect(new RetryableError("x").code).toBe("retryable_error");
  });
});

describe("classifyError", () => {
  it("classifies a PermanentError as not retryable with error_type permanent_error", () => {
    expect(classifyError(new PermanentError("bad input", { errorCode: "invalid_input" }))).toEqual({
      message: "bad input",
      errorCode: "invalid_input",
      errorType: "permanent_error",
      retryable: false,
    });
  });

  it("classifies a RetryableError as retryable with its delay and context", () => {
    expect(classifyError(new RetryableError("busy", { errorCode: "busy", retryAfterMs: 500, context: { host: "a" } }))).toEqual({
      message: "busy",
      errorCode: "busy",
      errorType: "retryable_error",
      retryable: true,
      retryAfterMs: 500,
      context: { host: "a" },
    });
  });

  it("classifies by name and fields, so errors from another copy of the SDK or across RPC still count", () => {
    const foreignPermanent = Object.assign(new Error("nope"), { name: "PermanentError", code: "refused", retryable: false });
    expect(classifyError(foreignPermanent)).toMatchObject({
      errorCode: "refused",
      errorType: "permanent_error",
      retryable: false,
    });
    const plainObject = { name: "RetryableError", message: "later", code: "later" };
    expect(classifyError(plainObject)).toMatchObject({ message: "later", errorType: "retryable_error", retryable: true });
    const flagged = Object.assign(new Error("forbidden"), { retryable: false, code: "http_403" });
    expect(classifyError(flagged)).toMatchObject({ errorCode: "http_403", errorType: "permanent_error", retryable: false });
  });

  it("classifies any other thrown value as a retryable handler_error", () => {
    expect(classifyError(new TypeError("x is undefined"))).toEqual({
      message: "x is undefined",
      errorCode: "handler_error",
      errorType: "handler_error",
      retryable: true,
    });
    expect(classifyError("plain string")).toMatchObject({ message: "plain string", errorCode: "handler_error", retryable: true });
    expect(classifyError(42).message).toBe("handler threw a non-Error value (number)");
    expect(classifyError(undefined).message).toBe("handler threw a non-Error value (undefined)");
  });

  it("keeps the message only, never the stack, and truncates it to 2,000 characters", () => {
    const error = new Error("y".repeat(3_000));
    const failure = classifyError(error);
    expect(failure.message).toHaveLength(2_000);
    expect(failure.message).not.toContain("at ");
    const outcome = StepHandlerResult.fromError(new Error("boom")).toOutcome(0);
    expect(JSON.stringify(outcome)).not.toContain("errors.test.ts");
  });
});

describe("StepHandlerResult.fromError", () => {
  it("puts an error's context into the outcome metadata", () => {
    const outcome = StepHandlerResult.fromError(
      new PermanentError("bad", { errorCode: "bad", context: { field: "sku" } }),
    ).toOutcome(1);
    expect(outcome).toEqual({
      success: false,
      error: { message: "bad", error_code: "bad", error_type: "permanent_error", retryable: false },
      metadata: { error_context: { field: "sku" } },
      execution_time_ms: 1,
    });
  });
});
