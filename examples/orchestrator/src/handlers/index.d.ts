import { ExpenseValidationHandler } from "./approvals";

export { CustomerStatsHandler, OrderExtractHandler, ReportBuilderHandler, RevenueHandler } from "./analytics";
export { ApprovalHandler, ApprovalRoutingHandler, ExpenseFinalizeHandler, ExpenseValidationHandler } from "./approvals";
export { RangePlannerHandler, RangeSumHandler, SumCombinerHandler } from "./batches";
export { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "./content";
export { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "./demo";
export { InventoryHandler, OrderValidationHandler, PaymentHandler } from "./ecommerce";
export { CarrierBookingHandler, CarrierQuoteHandler, CustomerNoticeHandler, ReserveStockHandler } from "./fulfillment";
/** Every example handler; the billing namespace's handlers live in their own bundle (examples/billing-handlers). */
export declare const exampleHandlers: (typeof ExpenseValidationHandler)[];
