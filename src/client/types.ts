// Request and response types of the client: requests defined here, views imported type-only from the Worker.
import type { StepView, TaskView, TransitionView } from "../task-object/views";

export type { StepError, StepView, TaskView, TransitionView } from "../task-object/views";

export type TaskStatus = TaskView["status"];

/** Tasker's TaskRequest: which template to run, with what context, and who asked (`POST /v1/tasks`). */
export interface TaskRequest {
  name: string;
  namespace: string;
  version: string;
  context: Record<string, unknown>;
  initiator: string;
  source_system: string;
  reason: string;
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
}

export interface StepAuditResponse {
  task_uuid: string;
  step_uuid: string;
  transitions: TransitionView[];
}

export interface TemplateSummary {
  name: string;
  namespace: string;
  version: string;
  description?: string;
  step_count: number;
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
  description?: string;
  metadata?: Record<string, unknown>;
  input_schema?: Record<string, unknown>;
  steps: TemplateStep[];
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
