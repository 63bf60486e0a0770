import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
export declare class NoopHandler extends StepHandler {
  static handlerName: string;
  call(): Promise<StepHandlerResult>;
}
/** The batch fan-out benchmark's batchable step: `context.workers` cursors of one item each. */
export declare class NoopBatchPlannerHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
