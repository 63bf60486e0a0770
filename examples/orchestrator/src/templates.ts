// The example templates, each YAML file under examples/orchestrator/templates imported as text (wrangler's Text rule).
// To add a template, add its YAML file and one import plus one entry below (a unit test checks the list is complete).
import nightlySalesReport from "../templates/analytics/nightly_sales_report.yaml";
import salesReport from "../templates/analytics/sales_report.yaml";
import expenseApproval from "../templates/approvals/expense_approval.yaml";
import expenseDecision from "../templates/approvals/expense_decision.yaml";
import sumNumbers from "../templates/batches/sum_numbers.yaml";
import invoiceRun from "../templates/billing/invoice_run.yaml";
import articlePublishing from "../templates/content/article_publishing.yaml";
import flakyService from "../templates/demo/flaky_service.yaml";
import permanentFailure from "../templates/demo/permanent_failure.yaml";
import slowStep from "../templates/demo/slow_step.yaml";
import unknownHandler from "../templates/demo/unknown_handler.yaml";
import orderFulfillment from "../templates/ecommerce/order_fulfillment.yaml";
import bookShipment from "../templates/fulfillment/book_shipment.yaml";
import shipOrder from "../templates/fulfillment/ship_order.yaml";

export const exampleTemplates = [
  { path: "templates/analytics/nightly_sales_report.yaml", source: nightlySalesReport },
  { path: "templates/analytics/sales_report.yaml", source: salesReport },
  { path: "templates/approvals/expense_approval.yaml", source: expenseApproval },
  { path: "templates/approvals/expense_decision.yaml", source: expenseDecision },
  { path: "templates/batches/sum_numbers.yaml", source: sumNumbers },
  { path: "templates/billing/invoice_run.yaml", source: invoiceRun },
  { path: "templates/content/article_publishing.yaml", source: articlePublishing },
  { path: "templates/demo/flaky_service.yaml", source: flakyService },
  { path: "templates/demo/permanent_failure.yaml", source: permanentFailure },
  { path: "templates/demo/slow_step.yaml", source: slowStep },
  { path: "templates/demo/unknown_handler.yaml", source: unknownHandler },
  { path: "templates/ecommerce/order_fulfillment.yaml", source: orderFulfillment },
  { path: "templates/fulfillment/book_shipment.yaml", source: bookShipment },
  { path: "templates/fulfillment/ship_order.yaml", source: shipOrder },
];
