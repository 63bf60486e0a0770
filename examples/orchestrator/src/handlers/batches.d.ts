import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
/** The batchable step: one cursor per `batch_size` items of [0, total_items), or no batches for none. */
export declare class RangePlannerHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** A batch worker: sums the integers of its cursor range. Batches listed in `fail_batches` fail for good. */
export declare class RangeSumHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** The convergence step: adds up every worker's sum and names the batches that failed (continue_on_failure). */
export declare class SumCombinerHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
