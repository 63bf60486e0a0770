// Handlers of the demo templates: transient failures, permanent failures, slow steps and an echo.
import { PermanentError, RetryableError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";

/** Fails with a retryable error on its first `fail_times` attempts, then succeeds. */
export class FlakyServiceHandler extends StepHandler {
  static override handlerName = "flaky_service";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const failTimes = nonNegativeInteger(context.getConfig("fail_times"), 1);
    if (context.attempt <= failTimes) {
      throw new RetryableError(`service unavailable on attempt ${context.attempt} (configured to fail ${failTimes} time(s))`, {
        errorCode: "service_unavailable",
      });
    }
    return StepHandlerResult.success({
      recovered: true,
      succeeded_on_attempt: context.attempt,
      failures_before_success: failTimes,
    });
  }
}

/** Rejects every input with a permanent error: no retry can fix bad input. */
export class RejectingHandler extends StepHandler {
  static override handlerName = "rejecting";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const reason = context.getConfig("reason");
    throw new PermanentError(typeof reason === "string" && reason !== "" ? reason : "the input was rejected", {
      errorCode: "invalid_input",
    });
  }
}

/** Waits `duration_ms`, giving up as soon as the step's signal aborts (its timeout passed). */
export class SleepHandler extends StepHandler {
  static override handlerName = "sleep";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const durationMs = nonNegativeInteger(context.getConfig("duration_ms"), 1_000);
    await sleep(durationMs, context.signal);
    return StepHandlerResult.success({ slept_ms: durationMs });
  }
}

/** Returns the task context and the names of the steps whose results it received. */
export class EchoHandler extends StepHandler {
  static override handlerName = "echo";

  async call(context: StepContext): Promise<StepHandlerResult> {
    return StepHandlerResult.success({ echoed: context.inputData, from: Object.keys(context.dependencyResults).sort() });
  }
}

/** Resolves after `ms`, or rejects with the signal's reason the moment it aborts; never leaks the timer. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function nonNegativeInteger(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : fallback;
}
