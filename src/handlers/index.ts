// The example handlers the orchestrator Worker runs itself, so one `wrangler dev` runs every bundled template.
import { HandlerRegistry } from "../worker";
import { CustomerStatsHandler, OrderExtractHandler, ReportBuilderHandler, RevenueHandler } from "./analytics";
import { NoopHandler } from "./bench";
import { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "./content";
import { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "./demo";
import { InventoryHandler, OrderValidationHandler, PaymentHandler } from "./ecommerce";

export { CustomerStatsHandler, OrderExtractHandler, ReportBuilderHandler, RevenueHandler } from "./analytics";
export { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "./content";
export { EchoHandler, FlakyServiceHandler, RejectingHandler, SleepHandler } from "./demo";
export { InventoryHandler, OrderValidationHandler, PaymentHandler } from "./ecommerce";

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
  .register(NoopHandler);
