import { describe, expect, it } from "vitest";
import {
  CustomerStatsHandler,
  OrderExtractHandler,
  ReportBuilderHandler,
  RevenueHandler,
} from "../../../examples/orchestrator/src/handlers";
import { contextFor } from "./claimed";

const orders = [
  { customer: "ada", amount: 120 },
  { customer: " grace ", amount: 80.004 },
  { customer: "ada", amount: 40 },
];
const extracted = {
  orders: [
    { customer: "ada", amount: 120 },
    { customer: "grace", amount: 80 },
    { customer: "ada", amount: 40 },
  ],
  order_count: 3,
};

describe("OrderExtractHandler", () => {
  it("normalises customers and amounts and counts the orders", async () => {
    const result = await new OrderExtractHandler().call(contextFor({ task: { context: { orders } } }));
    expect(result.result).toEqual(extracted);
  });

  it("fails permanently with no_orders when there are none", async () => {
    for (const context of [{ orders: [] }, {}]) {
      await expect(new OrderExtractHandler().call(contextFor({ task: { context } }))).rejects.toMatchObject({
        code: "no_orders",
      });
    }
  });

  it("rejects an order without a customer or a numeric amount", async () => {
    const context = { orders: [{ customer: "ada", amount: "12" }] };
    await expect(new OrderExtractHandler().call(contextFor({ task: { context } }))).rejects.toMatchObject({
      code: "invalid_orders",
    });
  });
});

describe("RevenueHandler", () => {
  it("computes total and average revenue", async () => {
    const result = await new RevenueHandler().call(contextFor({ dependency_results: { extract_orders: extracted } }));
    expect(result.result).toEqual({ total_revenue: 240, average_order_value: 80, order_count: 3 });
  });
});

describe("CustomerStatsHandler", () => {
  it("totals each customer's orders and names the top customer", async () => {
    const result = await new CustomerStatsHandler().call(contextFor({ dependency_results: { extract_orders: extracted } }));
    expect(result.result).toEqual({
      customers: [
        { customer: "ada", order_count: 2, total: 160 },
        { customer: "grace", order_count: 1, total: 80 },
      ],
      customer_count: 2,
      top_customer: "ada",
    });
  });

  it("breaks ties by name so the report is deterministic", async () => {
    const tie = {
      orders: [
        { customer: "zoe", amount: 5 },
        { customer: "bob", amount: 5 },
      ],
      order_count: 2,
    };
    const result = await new CustomerStatsHandler().call(contextFor({ dependency_results: { extract_orders: tie } }));
    expect(result.result).toMatchObject({ top_customer: "bob" });
  });
});

describe("ReportBuilderHandler", () => {
  it("joins revenue and customer statistics into one report", async () => {
    const context = contextFor({
      dependency_results: {
        compute_revenue: { total_revenue: 240, average_order_value: 80, order_count: 3 },
        compute_customer_stats: {
          customers: [{ customer: "ada", order_count: 2, total: 160 }],
          customer_count: 2,
          top_customer: "ada",
        },
      },
    });
    const result = await new ReportBuilderHandler().call(context);
    expect(result.result).toEqual({
      report: {
        title: "Sales report",
        order_count: 3,
        total_revenue: 240,
        average_order_value: 80,
        customer_count: 2,
        top_customer: "ada",
        customers: [{ customer: "ada", order_count: 2, total: 160 }],
      },
    });
  });

  it("needs both joined results", async () => {
    const context = contextFor({ dependency_results: { compute_revenue: { total_revenue: 1 } } });
    await expect(new ReportBuilderHandler().call(context)).rejects.toMatchObject({ code: "missing_dependency" });
  });
});
