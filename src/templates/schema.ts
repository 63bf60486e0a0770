// Zod schema of a raw task template (parsed YAML or JSON) and its normalisation into a TaskTemplate.
import { z } from "zod";
import {
  MAX_NAME_LENGTH,
  MAX_NAMESPACE_LENGTH,
  MAX_RETENTION_DAYS,
  MAX_TEMPLATE_STEPS,
  MAX_VERSION_LENGTH,
} from "../shared/limits";
import { IDENTITY_STRATEGIES, NAME_PATTERN, VERSION_PATTERN } from "../shared/names";
import { MAX_WEBHOOKS_PER_TEMPLATE } from "../shared/webhooks";
import { describeValue } from "./messages";
import { SCHEDULE_LIMITS, TEMPLATE_SCHEDULE_KEYS, TemplateScheduleSchema } from "./schedule-spec";
import type {
  BackoffKind,
  BatchConfig,
  FailureStrategy,
  RetrySettings,
  StepDefinition,
  StepType,
  TaskTemplate,
  TemplateMetadata,
} from "./types";
import { WEBHOOK_ENDPOINT_KEYS, WebhookEndpointSchema } from "./webhooks";

export { NAME_PATTERN, VERSION_PATTERN } from "../shared/names";
export const MAX_CALLABLE_LENGTH = 500;
export const MAX_STEP_TIMEOUT_SECONDS = 900;
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const RETRY_BOUNDS = {
  max_attempts: { min: 1, max: 100 },
  backoff_base_ms: { min: 100, max: 3_600_000 },
  max_backoff_ms: { min: 1_000, max: 3_600_000 },
} as const;
/** Retry settings of a step that has no `retry` block (Tasker's defaults, reference §3.4). */
export const DEFAULT_RETRY: Readonly<RetrySettings> = Object.freeze({
  retryable: true,
  max_attempts: 3,
  backoff: "exponential",
  backoff_base_ms: 1_000,
  max_backoff_ms: 30_000,
});

// Records keyed by the union types, so adding a step type or backoff kind without updating these fails to compile.
const stepTypeSet = {
  standard: true,
  decision: true,
  deferred_convergence: true,
  batchable: true,
  batch_worker: true,
} satisfies Record<StepType, true>;
const backoffSet = { none: true, linear: true, exponential: true, fibonacci: true } satisfies Record<BackoffKind, true>;
const failureStrategySet = { fail_fast: true, continue_on_failure: true, isolate: true } satisfies Record<FailureStrategy, true>;
export const STEP_TYPES = Object.keys(stepTypeSet) as StepType[];
export const BACKOFF_KINDS = Object.keys(backoffSet) as BackoffKind[];
export const FAILURE_STRATEGIES = Object.keys(failureStrategySet) as FailureStrategy[];
/** Tasker's ranges and defaults for batch_config (reference §3.7). */
export const BATCH_BOUNDS = {
  batch_size: { min: 1, max: 100_000 },
  parallelism: { min: 1, max: 1_000 },
} as const;
export const BATCH_DEFAULTS = {
  batch_size: 1_000,
  parallelism: 10,
  cursor_field: "id",
  failure_strategy: "continue_on_failure",
} as const satisfies Omit<BatchConfig, "worker_template">;

const identifier = (max: number) =>
  z.string().max(max).regex(NAME_PATTERN, {
    error: "must start with a lowercase letter and contain only lowercase letters, digits and underscores",
  });

const requiredText = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `is required: ${what}` : undefined) });

// z.int() reports a string as "expected number"; authors are better served by "whole number".
const intIn = ({ min, max }: { readonly min: number; readonly max: number }) =>
  z
    .int({
      error: (issue) =>
        issue.code === "invalid_type" && issue.input !== undefined
          ? `must be a whole number, not ${describeValue(issue.input)}`
          : undefined,
    })
    .min(min)
    .max(max);

const version = z
  .string({
    // `version: 1.0` in YAML is the number 1: the text the author wrote is already lost, so ask for quotes.
    error: (issue) =>
      typeof issue.input === "number"
        ? `must be a string, but YAML read the unquoted version as the number ${issue.input}; quote it, e.g. version: "1.0.0"`
        : issue.input === undefined
          ? "is required"
          : undefined,
  })
  .min(1)
  .max(MAX_VERSION_LENGTH)
  .regex(VERSION_PATTERN, {
    error:
      "must start with a letter or digit and hold only letters, digits, '.', '_', '-' and '+' (it is part of the template's URL)",
  });

const jsonObject = z.record(z.string(), z.unknown());

/** Zod hands refinements partially-parsed values when siblings failed, so cross-field checks re-check types. */
const isObjectPayload = (payload: { value: unknown }) =>
  typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value);

const isIntIn = (value: unknown, { min, max }: { readonly min: number; readonly max: number }): value is number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

// Empty YAML values (`dependencies:`) parse as null, so every optional key treats null as "not given".
const handlerShape = {
  callable: requiredText("the name of the registered handler that runs this step").min(1).max(MAX_CALLABLE_LENGTH),
  initialization: jsonObject.nullish(),
  // Tasker's method dispatch and resolver hint: accepted for compatibility, not used by this engine yet.
  method: z.string().min(1).nullish(),
  resolver: z.string().min(1).nullish(),
};

const HandlerSchema = z
  .strictObject(handlerShape, {
    error: (issue) => (issue.input === undefined ? "is required: every step needs a handler with a callable" : undefined),
  })
  .transform((handler) => ({ callable: handler.callable, initialization: handler.initialization ?? {} }));

const retryShape = {
  retryable: z.boolean().nullish(),
  max_attempts: intIn(RETRY_BOUNDS.max_attempts).nullish(),
  backoff: z.enum(BACKOFF_KINDS).nullish(),
  backoff_base_ms: intIn(RETRY_BOUNDS.backoff_base_ms).nullish(),
  max_backoff_ms: intIn(RETRY_BOUNDS.max_backoff_ms).nullish(),
};

type PartialRetry = { [K in keyof RetrySettings]?: RetrySettings[K] | null | undefined };

/** A step's own keys win over the template's `default_retry`, which wins over the engine defaults. */
function mergeRetry(step: PartialRetry | null | undefined, template: PartialRetry | null | undefined): PartialRetry {
  const merged: PartialRetry = { ...(template ?? {}) };
  for (const [key, value] of Object.entries(step ?? {})) {
    if (value !== null && value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function normaliseRetry(retry: PartialRetry): RetrySettings {
  const base = retry.backoff_base_ms ?? DEFAULT_RETRY.backoff_base_ms;
  return {
    retryable: retry.retryable ?? DEFAULT_RETRY.retryable,
    max_attempts: retry.max_attempts ?? DEFAULT_RETRY.max_attempts,
    backoff: retry.backoff ?? DEFAULT_RETRY.backoff,
    backoff_base_ms: base,
    // A large base with no explicit cap raises the default cap rather than failing on a key the author never wrote.
    max_backoff_ms: retry.max_backoff_ms ?? Math.max(DEFAULT_RETRY.max_backoff_ms, base),
  };
}

/** The cap may not be below the base, once the step's keys and the template's defaults are combined. */
function capBelowBase(retry: PartialRetry): number | null {
  const { backoff_base_ms: base, max_backoff_ms: max } = retry;
  return isIntIn(base, RETRY_BOUNDS.backoff_base_ms) && isIntIn(max, RETRY_BOUNDS.max_backoff_ms) && max < base ? base : null;
}

// Left partial here: defaults are applied per step, after merging with the template's `default_retry`.
const RetrySchema = z.strictObject(retryShape).superRefine(
  (retry, ctx) => {
    const base = capBelowBase(retry);
    if (base !== null)
      ctx.addIssue({ code: "custom", path: ["max_backoff_ms"], message: `must be at least backoff_base_ms (${base})` });
  },
  { when: isObjectPayload },
);

const batchConfigShape = {
  worker_template: requiredText("the name of the batch_worker step each cursor becomes").regex(NAME_PATTERN, {
    error: "must be a step name",
  }),
  batch_size: intIn(BATCH_BOUNDS.batch_size).nullish(),
  parallelism: intIn(BATCH_BOUNDS.parallelism).nullish(),
  cursor_field: z.string().min(1).max(MAX_NAME_LENGTH).nullish(),
  failure_strategy: z.enum(FAILURE_STRATEGIES).nullish(),
};

const BatchConfigSchema = z.strictObject(batchConfigShape).transform(
  (config): BatchConfig => ({
    worker_template: config.worker_template,
    batch_size: config.batch_size ?? BATCH_DEFAULTS.batch_size,
    parallelism: config.parallelism ?? BATCH_DEFAULTS.parallelism,
    cursor_field: config.cursor_field ?? BATCH_DEFAULTS.cursor_field,
    failure_strategy: config.failure_strategy ?? BATCH_DEFAULTS.failure_strategy,
  }),
);

const stepShape = {
  name: identifier(MAX_NAME_LENGTH),
  description: z.string().nullish(),
  type: z.enum(STEP_TYPES).nullish(),
  step_type: z.enum(STEP_TYPES).nullish(),
  handler: HandlerSchema,
  dependencies: z.array(z.string()).nullish(),
  depends_on: z.array(z.string()).nullish(),
  retry: RetrySchema.nullish(),
  timeout_seconds: intIn({ min: 1, max: MAX_STEP_TIMEOUT_SECONDS }).nullish(),
  // Tasker keys accepted so its templates load, but not acted on yet (dropped from the normalised step).
  system_dependency: z.unknown().optional(),
  publishes_events: z.unknown().optional(),
  batch_config: BatchConfigSchema.nullish(),
  result_schema: z.unknown().optional(),
  composition: z.unknown().optional(),
};

/** Tasker's aliases: a key and its alias together would be ambiguous, so only one may be given. */
const STEP_ALIASES = [
  ["type", "step_type"],
  ["dependencies", "depends_on"],
] as const;

const StepSchema = z
  .strictObject(stepShape, { error: (issue) => (issue.input === undefined ? "is required" : undefined) })
  .superRefine(
    (step, ctx) => {
      for (const [key, alias] of STEP_ALIASES) {
        if (step[key] != null && step[alias] != null) {
          ctx.addIssue({
            code: "custom",
            path: [alias],
            message: `"${alias}" is another name for "${key}"; give only one of them`,
          });
        }
      }
    },
    { when: isObjectPayload },
  )
  .transform((step): Omit<StepDefinition, "retry"> & { retry: PartialRetry | null } => ({
    name: step.name,
    description: step.description ?? null,
    type: step.type ?? step.step_type ?? "standard",
    handler: step.handler,
    dependencies: step.dependencies ?? step.depends_on ?? [],
    retry: step.retry ?? null,
    timeout_seconds: step.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS,
    ...(step.batch_config ? { batch_config: step.batch_config } : {}),
  }));

const MetadataSchema = z.looseObject({
  author: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  documentation_url: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

const templateShape = {
  name: identifier(MAX_NAME_LENGTH),
  namespace_name: identifier(MAX_NAMESPACE_LENGTH),
  version,
  description: z.string().nullish(),
  metadata: MetadataSchema.nullish(),
  input_schema: jsonObject.nullish(),
  identity_strategy: z.enum(IDENTITY_STRATEGIES).nullish(),
  /** Retry settings every step starts from; a step's own `retry` keys override them one by one. */
  default_retry: RetrySchema.nullish(),
  /** Days a finished task is kept before its storage is purged, or `forever`. */
  retention_days: z.union([intIn({ min: 0, max: MAX_RETENTION_DAYS }), z.literal("forever")]).nullish(),
  steps: z
    .array(StepSchema, {
      error: (issue) => (issue.input === undefined ? "is required: a template needs at least one step" : undefined),
    })
    .min(1)
    .max(MAX_TEMPLATE_STEPS),
  /** Endpoints called when the task completes, blocks, errors or is cancelled (docs/templates.md#webhooks). */
  webhooks: z.array(WebhookEndpointSchema).max(MAX_WEBHOOKS_PER_TEMPLATE).nullish(),
  /** Start tasks of this template on a schedule (schedule-spec.ts); the newest version's list is in force. */
  schedules: z
    .array(TemplateScheduleSchema)
    .max(SCHEDULE_LIMITS.perTemplate)
    .superRefine((schedules, ctx) => {
      const seen = new Set<string>();
      schedules.forEach((schedule, index) => {
        if (seen.has(schedule.name))
          ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate schedule name ${schedule.name}` });
        seen.add(schedule.name);
      });
    })
    .nullish(),
  // Tasker keys accepted so its templates load, but not acted on yet (dropped from the normalised template).
  system_dependencies: z.unknown().optional(),
  domain_events: z.unknown().optional(),
  environments: z.unknown().optional(),
  lifecycle: z.unknown().optional(),
};

/** Parses a raw template and applies every default; graph checks (graph.ts) are separate. */
export const TemplateSchema = z
  .strictObject(templateShape, {
    error: (issue) => {
      if (issue.code !== "invalid_type") return undefined;
      if (issue.input === undefined || issue.input === null) return "the template is empty";
      return "a template must be a map with keys such as name, namespace_name, version and steps";
    },
  })
  .superRefine(
    (template, ctx) => {
      if (!template.default_retry || !Array.isArray(template.steps)) return;
      template.steps.forEach((step, index) => {
        if (!step?.retry) return;
        const base = capBelowBase(mergeRetry(step.retry, template.default_retry));
        if (base !== null && capBelowBase(step.retry) === null) {
          ctx.addIssue({
            code: "custom",
            path: ["steps", index, "retry", "max_backoff_ms"],
            message: `must be at least backoff_base_ms (${base}, from default_retry or this step)`,
          });
        }
      });
    },
    { when: isObjectPayload },
  )
  .transform(
    (template): TaskTemplate => ({
      name: template.name,
      namespace_name: template.namespace_name,
      version: template.version,
      description: template.description ?? null,
      metadata: template.metadata ? withoutEmptyValues(template.metadata) : null,
      input_schema: template.input_schema ?? null,
      identity_strategy: template.identity_strategy ?? "strict",
      steps: template.steps.map((step) => ({ ...step, retry: normaliseRetry(mergeRetry(step.retry, template.default_retry)) })),
      // Only when given, so a template without webhooks normalises (and hashes) as it always did.
      ...(template.webhooks && template.webhooks.length > 0 ? { webhooks: template.webhooks } : {}),
      // Only when declared, so a template without schedules keeps its content hash.
      ...(template.schedules && template.schedules.length > 0 ? { schedules: template.schedules } : {}),
      ...(template.retention_days == null ? {} : { retention_days: template.retention_days }),
    }),
  );

function withoutEmptyValues(metadata: Record<string, unknown>): TemplateMetadata {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== null && value !== undefined));
}

/** The keys a strict object at `path` accepts, so an unknown key can be answered with "did you mean …?". */
export function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return Object.keys(templateShape);
  if (path.length === 1 && path[0] === "default_retry") return Object.keys(retryShape);
  if (path.length === 2 && path[0] === "webhooks") return WEBHOOK_ENDPOINT_KEYS;
  if (path.length === 2 && path[0] === "schedules" && typeof path[1] === "number") return TEMPLATE_SCHEDULE_KEYS;
  if (path[0] !== "steps" || typeof path[1] !== "number") return [];
  if (path.length === 2) return Object.keys(stepShape);
  if (path.length === 3 && path[2] === "handler") return Object.keys(handlerShape);
  if (path.length === 3 && path[2] === "retry") return Object.keys(retryShape);
  if (path.length === 3 && path[2] === "batch_config") return Object.keys(batchConfigShape);
  return [];
}
