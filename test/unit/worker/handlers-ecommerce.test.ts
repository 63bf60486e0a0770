import { describe, expect, it } from "vitest";
import { InventoryHandler, OrderValidationHandler, PaymentHandler } from "../../../examples/orchestrator/src/handlers";
import { contextFor } from "./claimed";

const validate = (context: Record<string, unknown>) => new OrderValidationHandler().call(contextFor({ task: { context } }));

describe("OrderValidationHandler", () => {
  it("validates the seed's order at the flat total of 99.99 when it has no items", async () => {
    const result = await validate({ order_id: "ORD-12345", customer_email: "customer@example.com" });
    expect(result.result).toEqual({
      valid: true,
      order_id: "ORD-12345",
      customer_email: "customer@example.com",
      items: [],
      item_count: 0,
      order_total: 99.99,
    });
  });

  it("computes the total from the line items, rounded to cents", async () => {
    const result = await validate({
      order_id: "ORD-2",
      customer_email: "a@b.c",
      items: [
        { sku: "A", quantity: 3, unit_price: 0.1 },
        { sku: "B", quantity: 1, unit_price: 19.99 },
      ],
    });
    expect(result.result).toMatchObject({ order_total: 20.29, item_count: 4 });
  });

  it("rejects a missing or blank order_id permanently with invalid_order", async () => {
    await expect(validate({ customer_email: "a@b.c" })).rejects.toMatchObject({ name: "PermanentError", code: "invalid_order" });
    await expect(validate({ order_id: "  " })).rejects.toMatchObject({ code: "invalid_order" });
  });

  it("rejects malformed line items and a non-positive total, naming the bad field", async () => {
    await expect(validate({ order_id: "O", items: [{ sku: "A", quantity: 0, unit_price: 1 }] })).rejects.toThrow(
      "items[0].quantity must be a positive integer",
    );
    await expect(validate({ order_id: "O", items: "A" })).rejects.toMatchObject({ code: "invalid_order" });
    await expect(validate({ order_id: "O", items: [{ sku: "A", quantity: 1, unit_price: 0 }] })).rejects.toThrow(/positive/);
    await expect(validate({ order_id: "O", customer_email: "not-an-email" })).rejects.toMatchObject({ code: "invalid_order" });
  });
});

describe("InventoryHandler", () => {
  it("reserves the validated items under a reservation id derived from the order", async () => {
    const validation = { valid: true, order_id: "ORD-7", items: [{ sku: "A", quantity: 2, unit_price: 5 }], order_total: 10 };
    const result = await new InventoryHandler().call(contextFor({ dependency_results: { validate_order: validation } }));
    expect(result.result).toEqual({
      reservation_id: "RES-ORD-7",
      reserved: true,
      order_id: "ORD-7",
      reserved_items: [{ sku: "A", quantity: 2 }],
      total_quantity: 2,
    });
  });

  it("fails permanently when validate_order's result is missing", async () => {
    await expect(new InventoryHandler().call(contextFor())).rejects.toMatchObject({ code: "missing_dependency" });
  });
});

describe("PaymentHandler", () => {
  it("charges validate_order's order_total under a payment id derived from the order", async () => {
    const context = contextFor({
      dependency_results: { validate_order: { valid: true, order_id: "ORD-7", order_total: 99.99 } },
    });
    const result = await new PaymentHandler().call(context);
    expect(result.result).toEqual({ charged: true, amount: 99.99, currency: "USD", payment_id: "PAY-ORD-7", order_id: "ORD-7" });
  });

  it("refuses to charge without a positive total", async () => {
    const context = contextFor({ dependency_results: { validate_order: { valid: true, order_id: "O", order_total: 0 } } });
    await expect(new PaymentHandler().call(context)).rejects.toMatchObject({ code: "invalid_amount" });
  });
});
