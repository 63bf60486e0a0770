// The base class every step handler extends.
import type { StepContext } from "./step-context";
import type { StepHandlerResult } from "./step-handler-result";

/**
 * A step handler: `call(context)` does the step's work. Returning a StepHandlerResult states the
 * outcome; returning any other value is a success with that value as the result; throwing a
 * PermanentError fails the step for good, anything else thrown is retried.
 */
export abstract class StepHandler {
  /**
   * A second name to register the class under, besides its class name (Tasker's `handler_name`).
   * Subclasses compiled with `noImplicitOverride` declare it as `static override handlerName`.
   */
  static handlerName?: string;

  abstract call(context: StepContext): Promise<StepHandlerResult | unknown>;
}

/** A concrete handler class as the registry holds it; `handlerName` is its optional alias. */
export type StepHandlerClass = (new () => StepHandler) & { readonly name: string; readonly handlerName?: string | undefined };
