import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
export declare class ReserveStockHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class CarrierQuoteHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** Books the quoted carrier; a context with `fail_carrier: true` has its booking rejected for good. */
export declare class CarrierBookingHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** Reads the child task's results, which arrive as the workflow step's result keyed by the child's step names. */
export declare class CustomerNoticeHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
