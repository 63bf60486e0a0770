// The handler SDK, `tasker-edge/worker`: write step handlers, register them, export a queue consumer.

export { WORKFLOW_HANDLER } from "../engine/callables";
export type { BatchWorkerInputs } from "../engine/dynamic-steps";
export type { ClaimedStep, FailedDependency, ReportReceipt, StepMessage, StepOutcome, TaskObjectRpc } from "../engine/protocol";
export { StepMessageSchema, StepOutcomeSchema } from "../engine/protocol";
export { createStepConsumer, retryDelaySeconds, type StepConsumer, type StepConsumerOptions } from "./consumer";
export {
  type ClassifiedFailure,
  classifyError,
  MAX_ERROR_MESSAGE_LENGTH,
  PermanentError,
  type PermanentErrorOptions,
  RetryableError,
  type RetryableErrorOptions,
} from "./errors";
export { errorFromResponse, retryAfterMs } from "./http";
export { BatchOutcome, type BatchResult, type CursorConfig, DecisionOutcome, type DecisionResult } from "./outcomes";
export { HandlerRegistry } from "./registry";
export { type RunKind, runStep, type StepRun } from "./run-step";
export { StepContext } from "./step-context";
export { StepHandler, type StepHandlerClass } from "./step-handler";
export { type FailureOptions, StepHandlerResult } from "./step-handler-result";
