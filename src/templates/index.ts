// Public surface of the template loader. `./bundled` is deliberately not re-exported: it imports YAML
// text modules, which only the Worker bundler understands, and this entry must stay importable anywhere.
export { checkGraph, type GraphStep, type OrderableStep, topologicalOrder } from "./graph";
export { type ContextProblem, checkInputSchema, validateContext } from "./input-schema";
export {
  MAX_TEMPLATE_DEPTH,
  MAX_TEMPLATE_NODES,
  parseTemplate,
  type TemplateFormat,
  type TemplateResult,
  validateTemplate,
} from "./loader";
export { compareVersions, type NamespaceSummary, type TemplateFilter, TemplateRegistry } from "./registry";
export {
  BACKOFF_KINDS,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_SECONDS,
  MAX_CALLABLE_LENGTH,
  MAX_STEP_TIMEOUT_SECONDS,
  NAME_PATTERN,
  RETRY_BOUNDS,
  STEP_TYPES,
  TemplateSchema,
} from "./schema";
export { loadTemplateSources, type TemplateSource } from "./sources";
export type {
  BackoffKind,
  HandlerDefinition,
  RetrySettings,
  StepDefinition,
  StepType,
  TaskTemplate,
  TemplateMetadata,
  TemplateProblem,
} from "./types";
