// The example handlers of the demo orchestrator (examples/orchestrator/templates), one module per namespace.
import { CustomerStatsHandler, OrderExtractHandler, ReportBuilderHandler, RevenueHandler } from "./analytics";
import {
  ApprovalHandler,
  ApprovalRoutingHandler,
  EscalationRoutingHandler,
  ExpenseDecisionFinalizeHandler,
  ExpenseFinalizeHandler,
  ExpenseValidationHandler,
  RecordDecisionHandler,
} from "./approvals";
import { RangePlannerHandler, RangeSumHandler, SumCombinerHandler } from "./batches";
import { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "./content";
import { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "./demo";
import { InventoryHandler, OrderValidationHandler, PaymentHandler } from "./ecommerce";
import { CarrierBookingHandler, CarrierQuoteHandler, CustomerNoticeHandler, ReserveStockHandler } from "./fulfillment";

export { CustomerStatsHandler, OrderExtractHandler, ReportBuilderHandler, RevenueHandler } from "./analytics";
export {
  ApprovalHandler,
  ApprovalRoutingHandler,
  EscalationRoutingHandler,
  ExpenseDecisionFinalizeHandler,
  ExpenseFinalizeHandler,
  ExpenseValidationHandler,
  RecordDecisionHandler,
} from "./approvals";
export { RangePlannerHandler, RangeSumHandler, SumCombinerHandler } from "./batches";
export { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "./content";
export { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "./demo";
export { InventoryHandler, OrderValidationHandler, PaymentHandler } from "./ecommerce";
export { CarrierBookingHandler, CarrierQuoteHandler, CustomerNoticeHandler, ReserveStockHandler } from "./fulfillment";

/** Every example handler; the billing namespace's handlers live in their own bundle (examples/billing-handlers). */
export const exampleHandlers = [
  OrderValidationHandler,
  InventoryHandler,
  PaymentHandler,
  DraftLintHandler,
  HtmlRenderHandler,
  PublishHandler,
  OrderExtractHandler,
  RevenueHandler,
  CustomerStatsHandler,
  ReportBuilderHandler,
  FlakyServiceHandler,
  RejectingHandler,
  SleepHandler,
  EchoHandler,
  ExpenseValidationHandler,
  ApprovalRoutingHandler,
  ApprovalHandler,
  ExpenseFinalizeHandler,
  EscalationRoutingHandler,
  RecordDecisionHandler,
  ExpenseDecisionFinalizeHandler,
  RangePlannerHandler,
  RangeSumHandler,
  SumCombinerHandler,
  ReserveStockHandler,
  CarrierQuoteHandler,
  CarrierBookingHandler,
  CustomerNoticeHandler,
];
