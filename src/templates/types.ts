// The normalised shape of a task template after loading: every default applied, every field typed.

import type { IdentityStrategy } from "../shared/names";
import type { WebhookEndpoint } from "../shared/webhooks";
import type { TemplateSchedule } from "./schedule-spec";

export type StepType = "standard" | "decision" | "deferred_convergence" | "batchable" | "batch_worker";
export type BackoffKind = "none" | "linear" | "exponential" | "fibonacci";
/** What a batch does when one of its workers fails permanently (enforced by the task object). */
export type FailureStrategy = "fail_fast" | "continue_on_failure" | "isolate";

/** `batch_config` of a `batchable` step (Tasker's BatchConfiguration). */
export interface BatchConfig {
  /** Name of the `batch_worker` step each cursor becomes a copy of. */
  worker_template: string;
  /** Items per worker, advisory: the batchable handler computes the cursors. */
  batch_size: number;
  /** Most workers of this batch enqueued or running at once. */
  parallelism: number;
  /** Passed to each worker in its batch metadata. */
  cursor_field: string;
  failure_strategy: FailureStrategy;
}

export interface RetrySettings {
  retryable: boolean;
  /** Total attempts including the first (1–100). */
  max_attempts: number;
  backoff: BackoffKind;
  backoff_base_ms: number;
  max_backoff_ms: number;
}

export interface HandlerDefinition {
  callable: string;
  initialization: Record<string, unknown>;
}

export interface StepDefinition {
  name: string;
  description: string | null;
  type: StepType;
  handler: HandlerDefinition;
  dependencies: string[];
  retry: RetrySettings;
  timeout_seconds: number;
  /** Only on `batchable` steps. */
  batch_config?: BatchConfig;
}

export interface TemplateMetadata {
  author?: string;
  tags?: string[];
  documentation_url?: string;
  created_at?: string;
  updated_at?: string;
  [key: string]: unknown;
}

export interface TaskTemplate {
  name: string;
  namespace_name: string;
  version: string;
  description: string | null;
  metadata: TemplateMetadata | null;
  /** JSON Schema for the task `context`, enforced at submission. */
  input_schema: Record<string, unknown> | null;
  /** How duplicate submissions are recognised (default `strict`). */
  identity_strategy: IdentityStrategy;
  steps: StepDefinition[];
  /** Endpoints told of the task's end or block; absent when the template names none. */
  webhooks?: WebhookEndpoint[];
  /** Schedules that start tasks of this template; absent when it declares none. */
  schedules?: TemplateSchedule[];
  /** Days a finished task is kept before it is purged, or `forever`; absent: the namespace's or default setting. */
  retention_days?: number | "forever";
}

/** One problem found in a template, with the path of the offending key (e.g. `steps[2].dependencies[0]`). */
export interface TemplateProblem {
  path: string;
  message: string;
}
