// Runs the handler of one claimed step under its timeout and turns whatever happens into an outcome.
import type { ClaimedStep, StepOutcome } from "../engine/protocol";
import type { HandlerRegistry } from "./registry";
import { toReportable } from "./reportable";
import { StepContext } from "./step-context";
import { StepHandlerResult } from "./step-handler-result";

/** The error code of a step whose callable no handler of this consumer answers to. */
export const HANDLER_NOT_FOUND = "handler_not_found";

export type RunKind = "success" | "retryable_failure" | "permanent_failure";

export interface StepRun {
  outcome: StepOutcome;
  kind: RunKind;
  errorCode?: string;
  durationMs: number;
}

/** What running a step needs of its trace (src/trace.ts): laps only, so the SDK's public types name no tracing module. */
type StepTrace = { lap(phase: string): void } | null;

type Settled = { kind: "returned"; value: unknown } | { kind: "threw"; error: unknown } | { kind: "timed_out" };

export async function runStep(
  registry: HandlerRegistry,
  claimed: ClaimedStep,
  now: () => number = Date.now,
  trace: StepTrace = null,
): Promise<StepRun> {
  const startedAt = now();
  const result = toReportable(await execute(registry, claimed, trace));
  const durationMs = Math.max(0, now() - startedAt);
  const outcome = result.toOutcome(durationMs);
  trace?.lap("outcome");
  if (outcome.success) return { outcome, kind: "success", durationMs };
  const run: StepRun = { outcome, kind: outcome.error.retryable ? "retryable_failure" : "permanent_failure", durationMs };
  if (outcome.error.error_code !== undefined) run.errorCode = outcome.error.error_code;
  return run;
}

async function execute(registry: HandlerRegistry, claimed: ClaimedStep, trace: StepTrace): Promise<StepHandlerResult> {
  const { callable, timeout_ms: timeoutMs } = claimed.step;
  const HandlerClass = registry.resolve(callable);
  trace?.lap("resolve");
  if (HandlerClass === undefined) {
    // Permanent: redelivering cannot make a handler appear in this Worker's bundle.
    return StepHandlerResult.failure(`Handler not found: no handler is registered for callable "${callable}"`, {
      errorCode: HANDLER_NOT_FOUND,
      errorType: "permanent_error",
      retryable: false,
    });
  }

  const controller = new AbortController();
  const context = new StepContext(claimed, controller.signal);
  trace?.lap("context");
  const settled = await withTimeout(() => new HandlerClass().call(context), timeoutMs);
  trace?.lap("handler");
  switch (settled.kind) {
    case "returned":
      return StepHandlerResult.isResult(settled.value) ? settled.value : StepHandlerResult.success(settled.value);
    case "threw":
      return StepHandlerResult.fromError(settled.error);
    case "timed_out":
      // Tell the handler to stop its work; its eventual result is no longer wanted.
      controller.abort(new DOMException(`step timed out after ${timeoutMs} ms`, "TimeoutError"));
      return StepHandlerResult.failure(`Handler ${callable} did not finish within ${timeoutMs} ms`, {
        errorCode: "handler_timeout",
        errorType: "timeout",
        retryable: true,
      });
  }
}

/** Races the handler against its deadline; the timer is always cleared so it cannot hold the Worker. */
async function withTimeout(run: () => Promise<unknown>, timeoutMs: number): Promise<Settled> {
  // The executor runs synchronously and turns a throw before the first await (a constructor, a
  // non-async `call`) into a rejection, and a plain returned value into a resolution.
  const handler = new Promise<unknown>((resolve) => resolve(run())).then(
    (value): Settled => ({ kind: "returned", value }),
    (error: unknown): Settled => ({ kind: "threw", error }),
  );
  // A step without a positive finite timeout is bounded by the task object's deadline timer alone.
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return handler;

  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timed_out" }), timeoutMs);
  });
  try {
    return await Promise.race([handler, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
