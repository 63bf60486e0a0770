// The example handlers the orchestrator Worker runs itself, so one `wrangler dev` runs every bundled template.
import { HandlerRegistry } from "../worker";
import { CustomerStatsHandler, OrderExtractHandler, ReportBuilderHandler, RevenueHandler } from "./analytics";
import { ApprovalHandler, ApprovalRoutingHandler, ExpenseFinalizeHandler, ExpenseValidationHandler } from "./approvals";
import { RangePlannerHandler, RangeSumHandler, SumCombinerHandler } from "./batches";
import { NoopBatchPlannerHandler, NoopHandler } from "./bench";
import { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "./content";
import { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "./demo";
import { InventoryHandler, OrderValidationHandler, PaymentHandler } from "./ecommerce";
import { CarrierBookingHandler, CarrierQuoteHandler, CustomerNoticeHandler, ReserveStockHandler } from "./fulfillment";

export { CustomerStatsHandler, OrderExtractHandler, ReportBuilderHandler, RevenueHandler } from "./analytics";
export { ApprovalHandler, ApprovalRoutingHandler, ExpenseFinalizeHandler, ExpenseValidationHandler } from "./approvals";
export { RangePlannerHandler, RangeSumHandler, SumCombinerHandler } from "./batches";
export { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "./content";
export { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "./demo";
export { InventoryHandler, OrderValidationHandler, PaymentHandler } from "./ecommerce";
export { CarrierBookingHandler, CarrierQuoteHandler, CustomerNoticeHandler, ReserveStockHandler } from "./fulfillment";

export const defaultRegistry = new HandlerRegistry()
  .register(OrderValidationHandler)
  .register(InventoryHandler)
  .register(PaymentHandler)
  .register(DraftLintHandler)
  .register(HtmlRenderHandler)
  .register(PublishHandler)
  .register(OrderExtractHandler)
  .register(RevenueHandler)
  .register(CustomerStatsHandler)
  .register(ReportBuilderHandler)
  .register(FlakyServiceHandler)
  .register(RejectingHandler)
  .register(SleepHandler)
  .register(EchoHandler)
  .register(NoopHandler)
  .register(NoopBatchPlannerHandler)
  .register(ExpenseValidationHandler)
  .register(ApprovalRoutingHandler)
  .register(ApprovalHandler)
  .register(ExpenseFinalizeHandler)
  .register(RangePlannerHandler)
  .register(RangeSumHandler)
  .register(SumCombinerHandler)
  .register(ReserveStockHandler)
  .register(CarrierQuoteHandler)
  .register(CarrierBookingHandler)
  .register(CustomerNoticeHandler);
