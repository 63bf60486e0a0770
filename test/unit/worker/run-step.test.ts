import { afterEach, describe, expect, it, vi } from "vitest";
import { StepOutcomeSchema } from "../../../src/engine/protocol";
import { MAX_NESTING_DEPTH, MAX_RESULT_BYTES } from "../../../src/shared/limits";
import { HandlerRegistry, PermanentError, runStep, type StepContext, StepHandler, StepHandlerResult } from "../../../src/worker";
import { claimedStep } from "./claimed";

/** A registry with one handler class named "Probe" whose body the test supplies. */
function registryWith(body: (context: StepContext) => unknown) {
  class Probe extends StepHandler {
    async call(context: StepContext) {
      return body(context);
    }
  }
  return new HandlerRegistry().register(Probe);
}

const probeStep = (step: Parameters<typeof claimedStep>[0] = {}) =>
  claimedStep({ ...step, step: { callable: "Probe", ...step.step } });

function ticking(...times: number[]) {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)] ?? 0;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("runStep", () => {
  it("reports a plain returned value as a success with that value as the result", async () => {
    const run = await runStep(
      registryWith(() => ({ ok: 1 })),
      probeStep(),
      ticking(100, 135),
    );
    expect(run).toEqual({
      kind: "success",
      durationMs: 35,
      outcome: { success: true, result: { ok: 1 }, execution_time_ms: 35 },
    });
  });

  it("reports a returned StepHandlerResult as it is", async () => {
    const run = await runStep(
      registryWith(() => StepHandlerResult.failure("declined", { errorCode: "declined", retryable: false })),
      probeStep(),
    );
    expect(run.kind).toBe("permanent_failure");
    expect(run.errorCode).toBe("declined");
  });

  it("reports a handler that returns nothing as a success with a null result", async () => {
    const run = await runStep(
      registryWith(() => undefined),
      probeStep(),
    );
    expect(run.outcome).toMatchObject({ success: true, result: null });
  });

  it("classifies a thrown error into the reported failure", async () => {
    const permanent = await runStep(
      registryWith(() => {
        throw new PermanentError("bad", { errorCode: "invalid_input" });
      }),
      probeStep(),
    );
    expect(permanent).toMatchObject({ kind: "permanent_failure", errorCode: "invalid_input" });
    const crash = await runStep(
      registryWith(() => {
        throw new RangeError("index out of range");
      }),
      probeStep(),
    );
    expect(crash).toMatchObject({ kind: "retryable_failure", errorCode: "handler_error" });
    expect(crash.outcome).toMatchObject({
      success: false,
      error: { message: "index out of range", error_type: "handler_error" },
    });
  });

  it("catches a handler whose constructor throws", async () => {
    class Broken extends StepHandler {
      constructor() {
        super();
        throw new Error("no config");
      }
      async call() {
        return 1;
      }
    }
    const run = await runStep(new HandlerRegistry().register(Broken), claimedStep({ step: { callable: "Broken" } }));
    expect(run).toMatchObject({ kind: "retryable_failure", errorCode: "handler_error" });
  });

  it("fails an unknown callable permanently with handler_not_found naming the callable", async () => {
    const run = await runStep(new HandlerRegistry(), claimedStep({ step: { callable: "NoSuchHandler" } }));
    expect(run).toMatchObject({ kind: "permanent_failure", errorCode: "handler_not_found" });
    expect(run.outcome).toMatchObject({ success: false, error: { retryable: false, error_code: "handler_not_found" } });
    if (!run.outcome.success) expect(run.outcome.error.message).toContain("NoSuchHandler");
  });

  it("resolves a namespaced callable to the registered class", async () => {
    const run = await runStep(
      registryWith(() => "ran"),
      probeStep({ step: { callable: "Demo::Handlers::Probe" } }),
    );
    expect(run.outcome).toMatchObject({ success: true, result: "ran" });
  });

  it("aborts the signal and reports a retryable handler_timeout when the timeout passes", async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const never = registryWith(
      (context) =>
        new Promise(() => {
          seen = context.signal;
        }),
    );
    const pending = runStep(never, probeStep({ step: { timeout_ms: 50 } }));
    await vi.advanceTimersByTimeAsync(50);
    const run = await pending;
    expect(run).toMatchObject({ kind: "retryable_failure", errorCode: "handler_timeout" });
    expect(run.outcome).toMatchObject({ success: false, error: { error_type: "timeout", retryable: true } });
    expect(seen?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears its timer when the handler finishes in time", async () => {
    vi.useFakeTimers();
    const run = await runStep(
      registryWith(() => 1),
      probeStep({ step: { timeout_ms: 50 } }),
    );
    expect(run.kind).toBe("success");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("fails a result larger than MAX_RESULT_BYTES permanently with result_too_large", async () => {
    const run = await runStep(
      registryWith(() => ({ blob: "é".repeat(MAX_RESULT_BYTES / 2) })),
      probeStep(),
    );
    expect(run).toMatchObject({ kind: "permanent_failure", errorCode: "result_too_large" });
  });

  it("fails a result nested deeper than MAX_NESTING_DEPTH permanently with nesting_too_deep, however deep", async () => {
    for (const levels of [MAX_NESTING_DEPTH + 1, 200_000]) {
      let result: unknown = 1;
      for (let level = 0; level < levels; level++) result = [result];
      const run = await runStep(
        registryWith(() => StepHandlerResult.success(result)),
        probeStep(),
      );
      expect(run).toMatchObject({ kind: "permanent_failure", errorCode: "nesting_too_deep" });
      expect(run.outcome).toMatchObject({ error: { message: expect.stringContaining(`${MAX_NESTING_DEPTH} levels`) } });
    }
  });

  it("fails a result that is not JSON-serialisable permanently with result_not_serializable", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [{ big: 1n }, cyclic, () => 1]) {
      const run = await runStep(
        registryWith(() => StepHandlerResult.success(value)),
        probeStep(),
      );
      expect(run).toMatchObject({ kind: "permanent_failure", errorCode: "result_not_serializable" });
    }
  });

  it("reports the result as JSON stores it, so no structured-clone-hostile value reaches the RPC", async () => {
    const run = await runStep(
      registryWith(() => ({ at: new Date(0), fn: () => 1, n: 1 })),
      probeStep(),
    );
    expect(run.outcome).toMatchObject({ success: true, result: { at: "1970-01-01T00:00:00.000Z", n: 1 } });
    expect(run.outcome.success && Object.keys(run.outcome.result as object)).toEqual(["at", "n"]);
  });

  it("still reports a failure whose metadata cannot be serialised, without that metadata", async () => {
    const run = await runStep(
      registryWith(() => StepHandlerResult.failure("down", { errorCode: "down", metadata: { big: 1n } })),
      probeStep(),
    );
    expect(run).toMatchObject({ kind: "retryable_failure", errorCode: "down" });
    expect(run.outcome.metadata).toBeUndefined();
  });

  it("produces outcomes the task object's schema accepts", async () => {
    const runs = await Promise.all([
      runStep(
        registryWith(() => ({ a: 1 })),
        probeStep(),
      ),
      runStep(new HandlerRegistry(), probeStep()),
      runStep(
        registryWith(() => StepHandlerResult.failure("x", { retryAfterMs: 12.7 })),
        probeStep(),
      ),
    ]);
    for (const run of runs) expect(StepOutcomeSchema.safeParse(run.outcome).success).toBe(true);
  });
});
