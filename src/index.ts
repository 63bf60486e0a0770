// The orchestrator package, `tasker-edge`: build an orchestrator Worker from your own templates and handlers.

// Types the factory's declarations mention, public so a user's emitted declarations can name them.
export type {
  StepViewSchema,
  TaskViewSchema,
  TransitionViewSchema,
  WebhookAttemptSchema,
  WebhookDeliverySchema,
} from "./contract/responses";
export type { ReportOptions } from "./engine/protocol";
export { createOrchestrator, type Orchestrator, type OrchestratorWorker } from "./orchestrator/create";
export type { AuthOptions, LimitsOptions, OrchestratorOptions, RetentionOptions, TemplateInput } from "./orchestrator/options";
export type { OrchestratorConfig } from "./orchestrator-config";
export type { WebhookEndpoint, WebhookEvent } from "./shared/webhooks";
export type { OverlapPolicy, ScheduleTiming } from "./templates/schedule-spec";
export type { TemplateSource } from "./templates/sources";
export type { FailureStrategy, RetrySettings, StepDefinition, StepType, TaskTemplate } from "./templates/types";
export { HandlerRegistry } from "./worker/registry";
export type { StepHandlerClass } from "./worker/step-handler";
