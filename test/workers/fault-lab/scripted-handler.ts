// A handler whose behaviour the fault lab scripts per step: succeed, fail N times, fail for good, throw, plan a batch.
import {
  BatchOutcome,
  PermanentError,
  RetryableError,
  type StepContext,
  StepHandler,
  StepHandlerResult,
} from "../../../src/worker";

export type Behaviour = "succeed" | "retryable" | "permanent" | "throw";

export class ScriptedHandler extends StepHandler {
  static override handlerName = "scripted";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const behaviour = context.getConfig<Behaviour>("behaviour") ?? "succeed";
    const failTimes = context.getConfig<number>("fail_times") ?? 0;
    const failing = context.attempt <= failTimes;
    if (behaviour === "permanent") throw new PermanentError("scripted permanent failure", { errorCode: "scripted_permanent" });
    if (behaviour === "retryable" && failing)
      throw new RetryableError("scripted retryable failure", { errorCode: "scripted_retryable" });
    if (behaviour === "throw" && failing) throw new Error("scripted crash");
    const result = { step: context.stepName, attempt: context.attempt, parents: Object.keys(context.dependencyResults) };
    // A batchable step plans `batch_workers` workers of one item each (none: the no-op placeholder).
    const workers = context.getConfig<number>("batch_workers");
    if (workers === undefined) return StepHandlerResult.success(result);
    const outcome =
      workers === 0 ? BatchOutcome.noBatches(result) : BatchOutcome.createBatches(BatchOutcome.rangeCursors(workers, 1), result);
    return StepHandlerResult.success(outcome);
  }
}
