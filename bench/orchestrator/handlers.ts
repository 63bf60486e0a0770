// The benchmark handlers: they succeed at once, so a bench template measures only the engine.
import { BatchOutcome, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";

export class NoopHandler extends StepHandler {
  static override handlerName = "noop";

  async call(): Promise<StepHandlerResult> {
    return StepHandlerResult.success({ ok: true });
  }
}

/** The batch fan-out benchmark's batchable step: `context.workers` cursors of one item each. */
export class NoopBatchPlannerHandler extends StepHandler {
  static override handlerName = "noop_batch_planner";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const workers = context.getInputOr("workers", 100);
    return StepHandlerResult.success(BatchOutcome.createBatches(BatchOutcome.rangeCursors(workers, 1)));
  }
}
