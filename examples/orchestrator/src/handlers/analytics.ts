// Handlers of analytics/sales_report: extract orders, compute revenue and customer stats, build the report.

import { PermanentError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
import { isRecord, requireDependency, roundCents } from "./support";

export interface ExtractedOrder {
  customer: string;
  amount: number;
}

export interface CustomerTotal {
  customer: string;
  order_count: number;
  total: number;
}

export class OrderExtractHandler extends StepHandler {
  static override handlerName = "order_extract";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const raw = context.getInput("orders");
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new PermanentError("the task context has no orders to report on", { errorCode: "no_orders" });
    }
    const orders: ExtractedOrder[] = raw.map((order, index) => {
      const customer = isRecord(order) && typeof order.customer === "string" ? order.customer.trim() : "";
      const amount = isRecord(order) ? order.amount : undefined;
      if (customer === "" || typeof amount !== "number" || !Number.isFinite(amount)) {
        throw new PermanentError(`orders[${index}] needs a non-blank customer and a numeric amount`, {
          errorCode: "invalid_orders",
        });
      }
      return { customer, amount: roundCents(amount) };
    });
    return StepHandlerResult.success({ orders, order_count: orders.length });
  }
}

export class RevenueHandler extends StepHandler {
  static override handlerName = "revenue";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const orders = extractedOrders(context);
    const total = roundCents(orders.reduce((sum, o) => sum + o.amount, 0));
    return StepHandlerResult.success({
      total_revenue: total,
      average_order_value: orders.length === 0 ? 0 : roundCents(total / orders.length),
      order_count: orders.length,
    });
  }
}

export class CustomerStatsHandler extends StepHandler {
  static override handlerName = "customer_stats";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const byCustomer = new Map<string, CustomerTotal>();
    for (const { customer, amount } of extractedOrders(context)) {
      const entry = byCustomer.get(customer) ?? { customer, order_count: 0, total: 0 };
      entry.order_count += 1;
      entry.total = roundCents(entry.total + amount);
      byCustomer.set(customer, entry);
    }
    // Highest spend first; ties by name so the same orders always give the same report.
    const customers = [...byCustomer.values()].sort((a, b) => b.total - a.total || (a.customer < b.customer ? -1 : 1));
    return StepHandlerResult.success({
      customers,
      customer_count: customers.length,
      top_customer: customers[0]?.customer ?? null,
    });
  }
}

export class ReportBuilderHandler extends StepHandler {
  static override handlerName = "report_builder";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const revenue = requireDependency(context, "compute_revenue");
    const stats = requireDependency(context, "compute_customer_stats");
    return StepHandlerResult.success({
      report: {
        title: "Sales report",
        order_count: revenue.order_count,
        total_revenue: revenue.total_revenue,
        average_order_value: revenue.average_order_value,
        customer_count: stats.customer_count,
        top_customer: stats.top_customer,
        customers: stats.customers,
      },
    });
  }
}

function extractedOrders(context: StepContext): ExtractedOrder[] {
  const extract = requireDependency(context, "extract_orders");
  if (!Array.isArray(extract.orders)) {
    throw new PermanentError("extract_orders reported no orders list", { errorCode: "missing_dependency" });
  }
  return extract.orders as ExtractedOrder[];
}
