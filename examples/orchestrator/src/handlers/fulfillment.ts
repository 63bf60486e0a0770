// Handlers of the shipping templates: the parent reserves stock, a child task books the carrier.
import { PermanentError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";

export class ReserveStockHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const items = context.getInputOr<unknown[]>("items", []);
    return StepHandlerResult.success({
      order_id: context.getInput("order_id"),
      parcels: Math.max(1, Math.ceil(items.length / 3)),
    });
  }
}

export class CarrierQuoteHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const parcels = context.getInputOr("parcels", 1);
    return StepHandlerResult.success({ carrier: "parcelco", price_cents: 450 * parcels });
  }
}

/** Books the quoted carrier; a context with `fail_carrier: true` has its booking rejected for good. */
export class CarrierBookingHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    if (context.getInput("fail_carrier") === true) {
      throw new PermanentError("the carrier rejected the booking", { errorCode: "booking_rejected" });
    }
    const quote = context.getDependencyResult<{ carrier: string }>("quote_carriers");
    return StepHandlerResult.success({
      carrier: quote?.carrier ?? "unknown",
      tracking_number: `TRK-${context.getInput("order_id")}`,
    });
  }
}

/** Reads the child task's results, which arrive as the workflow step's result keyed by the child's step names. */
export class CustomerNoticeHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const shipment = context.getDependencyResult<{ book_carrier?: { tracking_number?: string } }>("book_shipment");
    return StepHandlerResult.success({ notified: true, tracking_number: shipment?.book_carrier?.tracking_number ?? null });
  }
}
