import { describe, expect, it } from "vitest";
import { validateContext } from "../../../src/templates/input-schema";
import { validateTemplate } from "../../../src/templates/loader";
import { loadFile, step, template, templateOf } from "./helpers";

const SEED_CONTEXT = { order_id: "ORD-12345", customer_email: "customer@example.com" };

describe("validateContext", () => {
  const order = loadFile("examples/orchestrator/templates/ecommerce/order_fulfillment.yaml");

  it("accepts the seed order context", () => {
    expect(validateContext(order, SEED_CONTEXT)).toEqual([]);
  });

  it("reports a missing required key at its own path", () => {
    expect(validateContext(order, { customer_email: "customer@example.com" })).toEqual([
      { path: "context.order_id", message: "is required" },
    ]);
  });

  it("reports every violation at once", () => {
    expect(validateContext(order, { order_id: 12345, customer_email: "not-an-email" })).toEqual([
      { path: "context.order_id", message: "must be string, not number" },
      { path: "context.customer_email", message: expect.stringContaining("pattern") },
    ]);
    expect(validateContext(order, { order_id: "" })).toEqual([
      { path: "context.customer_email", message: "is required" },
      { path: "context.order_id", message: expect.stringContaining("too short") },
    ]);
  });

  it("reports nested violations with list indexes", () => {
    const report = loadFile("examples/orchestrator/templates/analytics/sales_report.yaml");
    const orders = [{ customer: "ada", amount: 10 }, { customer: "bob", amount: "12" }, { amount: 3 }];
    expect(validateContext(report, { orders })).toEqual([
      { path: "context.orders[1].amount", message: "must be number, not string" },
      { path: "context.orders[2].customer", message: "is required" },
    ]);
  });

  it("accepts anything when the template has no input_schema", () => {
    const loaded = loadFile("examples/orchestrator/templates/demo/unknown_handler.yaml");
    expect(loaded.input_schema).toBeNull();
    expect(validateContext(loaded, { whatever: [1, 2, 3] })).toEqual([]);
  });

  it("summarises a failed anyOf instead of listing every alternative's complaints", () => {
    const loaded = templateOf(
      validateTemplate(
        template([step("a")], {
          input_schema: {
            type: "object",
            properties: { id: { anyOf: [{ type: "string" }, { type: "integer" }] } },
            additionalProperties: false,
          },
        }),
      ),
    );
    expect(validateContext(loaded, { id: true, "extra key": 1 })).toEqual([
      { path: "context.id", message: "Instance does not match any subschemas." },
      { path: 'context["extra key"]', message: "is not allowed" },
    ]);
  });

  it("follows $refs inside the schema", () => {
    const loaded = templateOf(
      validateTemplate(
        template([step("a")], {
          input_schema: {
            $defs: { money: { type: "number", minimum: 0 } },
            type: "object",
            properties: { total: { $ref: "#/$defs/money" } },
          },
        }),
      ),
    );
    expect(validateContext(loaded, { total: 5 })).toEqual([]);
    expect(validateContext(loaded, { total: -1 })).toEqual([{ path: "context.total", message: "-1 is less than 0." }]);
  });

  it("leaves the template's input_schema untouched, so it serialises as the author wrote it", () => {
    const before = JSON.stringify(order.input_schema);
    validateContext(order, {});
    expect(JSON.stringify(order.input_schema)).toBe(before);
    expect(Object.getOwnPropertyNames(order.input_schema)).not.toContain("__absolute_uri__");
  });
});
