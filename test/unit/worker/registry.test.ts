import { describe, expect, it } from "vitest";
import { HandlerRegistry, StepHandler } from "../../../src/worker";

class PaymentHandler extends StepHandler {
  static override handlerName = "payment";
  async call() {
    return { charged: true };
  }
}

class RefundHandler extends StepHandler {
  async call() {
    return { refunded: true };
  }
}

class OtherPaymentHandler extends StepHandler {
  static override handlerName = "payment";
  async call() {
    return {};
  }
}

describe("HandlerRegistry", () => {
  it("registers a class under its class name and its handlerName", () => {
    const registry = new HandlerRegistry().register(PaymentHandler).register(RefundHandler);
    expect(registry.list()).toEqual(["PaymentHandler", "RefundHandler", "payment"]);
    expect(registry.resolve("PaymentHandler")).toBe(PaymentHandler);
    expect(registry.resolve("payment")).toBe(PaymentHandler);
    expect(registry.has("RefundHandler")).toBe(true);
  });

  it("registers a class under an explicit name", () => {
    const registry = new HandlerRegistry().register("billing.refund", RefundHandler);
    expect(registry.resolve("billing.refund")).toBe(RefundHandler);
    expect(registry.has("RefundHandler")).toBe(false);
  });

  it("resolves the last segment of a dotted or :: callable when no exact name matches", () => {
    const registry = new HandlerRegistry().register(PaymentHandler);
    expect(registry.resolve("Ecommerce.Handlers.PaymentHandler")).toBe(PaymentHandler);
    expect(registry.resolve("Ecommerce::StepHandlers::PaymentHandler")).toBe(PaymentHandler);
    expect(registry.resolve("Ecommerce::payment")).toBe(PaymentHandler);
  });

  it("prefers an exact match over the last segment", () => {
    const registry = new HandlerRegistry().register(PaymentHandler).register("Legacy.PaymentHandler", RefundHandler);
    expect(registry.resolve("Legacy.PaymentHandler")).toBe(RefundHandler);
    expect(registry.resolve("Other.PaymentHandler")).toBe(PaymentHandler);
  });

  it("resolves nothing for an unknown callable", () => {
    const registry = new HandlerRegistry().register(PaymentHandler);
    expect(registry.resolve("NoSuchHandler")).toBeUndefined();
    expect(registry.resolve("Ecommerce::NoSuchHandler")).toBeUndefined();
    expect(registry.has("NoSuchHandler")).toBe(false);
  });

  it("accepts the same class twice but refuses two classes under one name", () => {
    const registry = new HandlerRegistry().register(PaymentHandler).register(PaymentHandler);
    expect(registry.list()).toEqual(["PaymentHandler", "payment"]);
    expect(() => registry.register(OtherPaymentHandler)).toThrow(/"payment" is already registered to PaymentHandler/);
    expect(() => registry.register("PaymentHandler", RefundHandler)).toThrow(/already registered/);
  });
});
