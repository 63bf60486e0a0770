// The handlers of order_fulfillment: validate the order, then reserve stock and charge the payment.
import { PermanentError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";

/** Which Worker ran a step: every result says so. */
const HANDLED_BY = "{{NAME}}";

interface OrderValidation {
  valid: true;
  order_id: string;
  customer_email: string;
  order_total: number;
}

export class OrderValidationHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const orderId = context.getInput("order_id");
    const email = context.getInput("customer_email");
    if (typeof orderId !== "string" || orderId.trim() === "") {
      throw new PermanentError("order_id must be a non-blank string", { errorCode: "invalid_order" });
    }
    if (typeof email !== "string") throw new PermanentError("customer_email is required", { errorCode: "invalid_order" });
    const validation: OrderValidation = { valid: true, order_id: orderId, customer_email: email, order_total: 99.99 };
    return StepHandlerResult.success({ ...validation, handled_by: HANDLED_BY });
  }
}

export class InventoryHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const order = validatedOrder(context);
    // Derived from the order, not the attempt: a retried reservation hits the same hold.
    return StepHandlerResult.success({ reservation_id: `RES-${order.order_id}`, reserved: true, handled_by: HANDLED_BY });
  }
}

export class PaymentHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const order = validatedOrder(context);
    const currency = context.getInputOr("currency", "USD");
    // One payment per order whatever the attempt, so a retry after a lost response never charges twice.
    return StepHandlerResult.success({
      payment_id: `PAY-${order.order_id}`,
      amount: order.order_total,
      currency,
      handled_by: HANDLED_BY,
    });
  }
}

export const handlers = [OrderValidationHandler, InventoryHandler, PaymentHandler];

function validatedOrder(context: StepContext): OrderValidation {
  const validation = context.getDependencyResult<OrderValidation>("validate_order");
  if (validation?.valid !== true)
    throw new PermanentError("validate_order reported no valid order", { errorCode: "invalid_order" });
  return validation;
}
