import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
/** Fails with a retryable error on its first `fail_times` attempts, then succeeds. */
export declare class FlakyServiceHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** Rejects every input with a permanent error: no retry can fix bad input. */
export declare class RejectingHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** Waits `duration_ms`, giving up as soon as the step's signal aborts (its timeout passed). */
export declare class SleepHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** Returns the task context and the names of the steps whose results it received. */
export declare class EchoHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** Resolves after `ms`, or rejects with the signal's reason the moment it aborts; never leaks the timer. */
export declare function sleep(ms: number, signal: AbortSignal): Promise<void>;
