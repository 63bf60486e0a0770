// Request and response types of the client: requests defined here, views imported type-only from the Worker.
import type { TaskSummary } from "../catalog/task-index";
import type { StepView, TaskView, TransitionView } from "../task-object/views";

export type { TaskSummary } from "../catalog/task-index";
export type { StepError, StepView, TaskView, TransitionView } from "../task-object/views";

export type TaskStatus = TaskView["status"];

/**
 * Tasker's TaskRequest: which template to run, with what context, and who asked (`POST /v1/tasks`).
 * Any other field is refused with 400 `invalid_request`.
 */
export interface TaskRequest {
  name: string;
  /** Left out: the one namespace holding a template of this name (else 400 `ambiguous_template`). */
  namespace?: string;
  /** Left out: the newest version, in semver order. */
  version?: string;
  context: Record<string, unknown>;
  initiator: string;
  /** `"api"` when left out. */
  source_system?: string;
  /** `"task requested"` when left out. */
  reason?: string;
  priority?: number;
  tags?: string[];
  correlation_id?: string;
  parent_correlation_id?: string;
  /** Names the submission: a repeat with the same key (for this template) is refused with 409 `duplicate_task`. */
  idempotency_key?: string;
}

/** `complete_manually`'s payload: the result dependents read, and optional metadata. */
export interface CompletionData {
  result: unknown;
  metadata?: Record<string, unknown>;
}

export interface TransitionsResponse {
  task_uuid: string;
  transitions: TransitionView[];
}

export interface StepsResponse {
  task_uuid: string;
  total_count: number;
  steps: StepView[];
  pagination: Pagination;
}

export interface StepAuditResponse {
  task_uuid: string;
  step_uuid: string;
  transitions: TransitionView[];
}

/** Filters and page of `GET /v1/tasks`; times are ISO 8601 strings or Dates. */
export interface TaskListFilters {
  namespace?: string;
  name?: string;
  version?: string;
  status?: TaskStatus;
  initiator?: string;
  source_system?: string;
  correlation_id?: string;
  /** Tasks created at or after this instant. */
  created_after?: string | Date;
  /** Tasks created before this instant. */
  created_before?: string | Date;
  /** From 1. */
  page?: number;
  /** 25 by default, at most 100. */
  per_page?: number;
}

export interface Pagination {
  page: number;
  per_page: number;
  total_count: number;
  total_pages: number;
  has_next: boolean;
  has_previous: boolean;
}

export interface TaskList {
  tasks: TaskSummary[];
  pagination: Pagination;
}

export type TemplateOrigin = "bundled" | "registered";

export interface TemplateSummary {
  name: string;
  namespace: string;
  version: string;
  description?: string | null;
  step_count: number;
  origin: TemplateOrigin;
}

export interface TemplateList {
  namespaces: { name: string; template_count: number }[];
  templates: TemplateSummary[];
  total_count: number;
}

export interface TemplateStep {
  name: string;
  description?: string;
  type: string;
  callable: string;
  dependencies: string[];
  default_retryable: boolean;
  default_max_attempts: number;
  retry: Record<string, unknown>;
  timeout_seconds: number;
}

export interface TemplateDetail {
  name: string;
  namespace: string;
  version: string;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  input_schema?: Record<string, unknown> | null;
  identity_strategy: string;
  origin: TemplateOrigin;
  /** For a registered template: SHA-256 of the loaded template, who registered it and when. */
  content_hash?: string;
  registered_by?: string;
  registered_at?: string;
  steps: TemplateStep[];
}

/** What `registerTemplate` returns: the template as stored, and whether this call stored it (201) or it was there (200). */
export interface TemplateRegistration {
  created: boolean;
  template: TemplateDetail;
}

export interface TemplateProblem {
  /** The key path of the problem, e.g. `steps[1].dependencies[0]`; empty for the whole template. */
  path: string;
  message: string;
}

export interface TemplateValidation {
  valid: boolean;
  problems: TemplateProblem[];
  template?: { namespace: string; name: string; version: string; step_count: number; content_hash: string };
}

export interface HealthResponse {
  status: string;
  service?: string;
  time?: string;
}

export interface WaitOptions {
  /** Statuses that end the wait; default: the terminal states plus `blocked_by_failures`. */
  until?: readonly TaskStatus[];
  /** Gives up with a `TaskerTimeoutError` after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between polls (default 250 ms). */
  intervalMs?: number;
}
