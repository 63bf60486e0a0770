import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
/** The seed's flat order total, used when an order carries no line items. */
export declare const DEFAULT_ORDER_TOTAL = 99.99;
export interface LineItem {
  sku: string;
  quantity: number;
  unit_price: number;
}
export interface OrderValidation {
  valid: true;
  order_id: string;
  customer_email: string | null;
  items: LineItem[];
  item_count: number;
  order_total: number;
}
export declare class OrderValidationHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class InventoryHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class PaymentHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
