import { afterEach, describe, expect, it, vi } from "vitest";
import { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "../../../examples/orchestrator/src/handlers";
import { contextFor } from "./claimed";

afterEach(() => {
  vi.useRealTimers();
});

describe("FlakyServiceHandler", () => {
  const attempt = (n: number, fail_times: number) =>
    new FlakyServiceHandler().call(contextFor({ step: { attempt: n, initialization: { fail_times } } }));

  it("throws a retryable service_unavailable while the attempt is within fail_times", async () => {
    await expect(attempt(1, 2)).rejects.toMatchObject({ name: "RetryableError", code: "service_unavailable", retryable: true });
    await expect(attempt(2, 2)).rejects.toMatchObject({ code: "service_unavailable" });
  });

  it("succeeds on the attempt after fail_times", async () => {
    expect((await attempt(3, 2)).result).toEqual({ recovered: true, succeeded_on_attempt: 3, failures_before_success: 2 });
    expect((await attempt(1, 0)).success).toBe(true);
  });
});

describe("RejectingHandler", () => {
  it("always fails permanently with invalid_input", async () => {
    await expect(new RejectingHandler().call(contextFor())).rejects.toMatchObject({
      name: "PermanentError",
      code: "invalid_input",
      retryable: false,
    });
  });
});

describe("SleepHandler", () => {
  it("resolves after duration_ms", async () => {
    vi.useFakeTimers();
    const pending = new SleepHandler().call(contextFor({ step: { initialization: { duration_ms: 1_000 } } }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await pending).result).toEqual({ slept_ms: 1_000 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stops waiting as soon as the step's signal aborts, and leaves no timer behind", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const pending = new SleepHandler().call(contextFor({ step: { initialization: { duration_ms: 60_000 } } }, controller.signal));
    controller.abort(new Error("timed out"));
    await expect(pending).rejects.toThrow("timed out");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not start when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(new SleepHandler().call(contextFor({}, controller.signal))).rejects.toThrow("too late");
  });
});

describe("EchoHandler", () => {
  it("echoes the task context and the names of the steps it depends on", async () => {
    const context = contextFor({ task: { context: { a: 1 } }, dependency_results: { validate_input: { ok: true }, fetch: 1 } });
    expect((await new EchoHandler().call(context)).result).toEqual({ echoed: { a: 1 }, from: ["fetch", "validate_input"] });
  });
});
