import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
export interface ExtractedOrder {
  customer: string;
  amount: number;
}
export interface CustomerTotal {
  customer: string;
  order_count: number;
  total: number;
}
export declare class OrderExtractHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class RevenueHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class CustomerStatsHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class ReportBuilderHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
