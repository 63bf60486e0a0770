// The orchestrator package, `tasker-edge`: build an orchestrator Worker from your own templates and handlers.
export type { OrchestratorConfig } from "./orchestrator/config";
export { createOrchestrator, type Orchestrator, type OrchestratorWorker } from "./orchestrator/create";
export type { AuthOptions, LimitsOptions, OrchestratorOptions, TemplateInput } from "./orchestrator/options";
export type { TemplateSource } from "./templates/sources";
export { HandlerRegistry } from "./worker/registry";
export type { StepHandlerClass } from "./worker/step-handler";
