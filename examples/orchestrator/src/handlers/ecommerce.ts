// Handlers of ecommerce/order_fulfillment: validate the order, then reserve stock and charge payment.

import { PermanentError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
import { isRecord, nonBlankInput, requireDependency, roundCents } from "./support";

/** The seed's flat order total, used when an order carries no line items. */
export const DEFAULT_ORDER_TOTAL = 99.99;

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

export class OrderValidationHandler extends StepHandler {
  static override handlerName = "order_validation";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const orderId = nonBlankInput(context, "order_id");
    if (orderId === undefined) throw invalidOrder("order_id is required and must be a non-blank string");
    const email = context.getInput("customer_email");
    if (email !== undefined && (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))) {
      throw invalidOrder("customer_email is not an email address");
    }

    const items = parseItems(context.getInput("items"));
    const orderTotal =
      items.length === 0 ? DEFAULT_ORDER_TOTAL : roundCents(items.reduce((sum, i) => sum + i.quantity * i.unit_price, 0));
    if (orderTotal <= 0) throw invalidOrder(`order total must be positive, got ${orderTotal}`);

    const validation: OrderValidation = {
      valid: true,
      order_id: orderId,
      customer_email: typeof email === "string" ? email : null,
      items,
      item_count: items.reduce((n, i) => n + i.quantity, 0),
      order_total: orderTotal,
    };
    return StepHandlerResult.success(validation);
  }
}

export class InventoryHandler extends StepHandler {
  static override handlerName = "inventory_reservation";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const validation = requireValidOrder(context);
    const items = Array.isArray(validation.items) ? (validation.items as LineItem[]) : [];
    return StepHandlerResult.success({
      // Derived from the order, not the attempt: a retried reservation must hit the same hold.
      reservation_id: `RES-${validation.order_id}`,
      reserved: true,
      order_id: validation.order_id,
      reserved_items: items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
      total_quantity: items.reduce((n, item) => n + item.quantity, 0),
    });
  }
}

export class PaymentHandler extends StepHandler {
  static override handlerName = "payment";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const validation = requireValidOrder(context);
    const amount = validation.order_total;
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount <= 0) {
      throw new PermanentError("validate_order reported no positive order_total to charge", { errorCode: "invalid_amount" });
    }
    const currency = context.getInputOr("currency", "USD");
    return StepHandlerResult.success({
      charged: true,
      amount,
      currency,
      // One payment per order whatever the attempt, so a retry after a lost response never charges twice.
      payment_id: `PAY-${validation.order_id}`,
      order_id: validation.order_id,
    });
  }
}

function requireValidOrder(context: StepContext): Record<string, unknown> {
  const validation = requireDependency(context, "validate_order");
  if (validation.valid !== true || typeof validation.order_id !== "string") {
    throw new PermanentError("validate_order did not report a valid order", { errorCode: "invalid_order" });
  }
  return validation;
}

function parseItems(raw: unknown): LineItem[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidOrder("items must be an array");
  return raw.map((item, index) => {
    if (!isRecord(item)) throw invalidOrder(`items[${index}] must be an object`);
    const { sku, quantity, unit_price } = item;
    if (typeof sku !== "string" || sku.trim() === "") throw invalidOrder(`items[${index}].sku must be a non-blank string`);
    if (typeof quantity !== "number" || !Number.isInteger(quantity) || quantity <= 0) {
      throw invalidOrder(`items[${index}].quantity must be a positive integer`);
    }
    if (typeof unit_price !== "number" || !Number.isFinite(unit_price) || unit_price < 0) {
      throw invalidOrder(`items[${index}].unit_price must be a non-negative number`);
    }
    return { sku: sku.trim(), quantity, unit_price };
  });
}

function invalidOrder(message: string): PermanentError {
  return new PermanentError(message, { errorCode: "invalid_order" });
}
