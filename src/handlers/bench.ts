// The benchmark's trivial handler: succeeds at once, so a bench template measures only the engine.
import { StepHandler, StepHandlerResult } from "../worker";

export class NoopHandler extends StepHandler {
  static override handlerName = "noop";

  async call(): Promise<StepHandlerResult> {
    return StepHandlerResult.success({ ok: true });
  }
}
