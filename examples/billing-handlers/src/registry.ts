// The billing handlers under the callables of examples/orchestrator/templates/billing/invoice_run.yaml.
import { HandlerRegistry } from "tasker-edge/worker";
import { ComputeInvoiceHandler, LoadAccountHandler, RateUsageHandler, RenderInvoiceHandler } from "./handlers";

export const billingRegistry = new HandlerRegistry()
  .register(LoadAccountHandler)
  .register(RateUsageHandler)
  .register(ComputeInvoiceHandler)
  .register(RenderInvoiceHandler);
