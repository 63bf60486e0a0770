// The task object's SQL rows and the records it writes: what each table holds, as the code reads it.
import type { EventWaitEntry } from "../catalog/event-waits";
import type { NamespaceScope } from "../engine/namespace-scope";
import type { StepState, TaskState } from "../engine/states";
import type { WebhookEndpoint } from "../shared/webhooks";
import type { StepType, TaskTemplate } from "../templates/types";

/** Where a child task came from: its parent task, the step waiting for it, and the chain of templates above it. */
export interface ParentLink {
  task_uuid: string;
  step_uuid: string;
  step_name: string;
  dispatch_id: string;
  /** Template keys from the root task down to the parent. */
  lineage: string[];
}

export interface NewTask {
  task_uuid: string;
  template: TaskTemplate;
  context: Record<string, unknown>;
  initiator: string;
  source_system: string;
  reason: string;
  priority: number;
  tags: string[];
  correlation_id: string;
  parent_correlation_id: string | null;
  queue_binding: string;
  parent?: ParentLink | null;
  /** The principal whose request created the task (or its root task), as the audit names it; null: not recorded. */
  created_by: string | null;
  /** The namespaces the task's child tasks may run in; null: every one. A child inherits both. */
  namespace_scope: NamespaceScope;
  /** The request's webhook endpoints, called on top of the template's; a child task has only its template's. */
  webhooks?: WebhookEndpoint[];
}

export interface TaskRow {
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  state: TaskState;
  context: string;
  initiator: string;
  source_system: string;
  reason: string;
  priority: number;
  tags: string;
  correlation_id: string;
  parent_correlation_id: string | null;
  queue_binding: string;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  parent_task_uuid: string | null;
  parent_step_uuid: string | null;
  parent_step_name: string | null;
  parent_dispatch_id: string | null;
  lineage: string;
  /** Null on tasks created before it was recorded. */
  created_by: string | null;
  /** JSON array of namespaces, or null: every one. */
  namespace_scope: string | null;
  /** Set while the task is paused, with `pause` (JSON PauseRecord) saying who paused it and why. */
  paused_at: number | null;
  pause: string | null;
  /** Set when the retention purge began: the task answers as purged from then on. */
  purged_at: number | null;
  /** When the purge timer is due (read from the timers table); null while the task runs or when kept forever. */
  purge_at: number | null;
}

export interface StepRow {
  step_uuid: string;
  name: string;
  position: number;
  type: StepType;
  definition: string;
  state: StepState;
  attempts: number;
  remaining_parents: number;
  dispatch_id: string | null;
  next_retry_at: number | null;
  results: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  last_attempted_at: number | null;
  completed_at: number | null;
  inputs: string | null;
  child_task_uuid: string | null;
}

/** Work for other objects, written in the same transaction as the change that calls for it. */
export type Effect =
  | { kind: "start_child"; step_uuid: string; dispatch_id: string; child_task_uuid: string }
  | { kind: "cancel_child"; child_task_uuid: string; reason: string }
  | {
      kind: "notify_parent";
      parent_task_uuid: string;
      parent_step_uuid: string;
      parent_dispatch_id: string;
      child_task_uuid: string;
      status: string;
      results: Record<string, unknown>;
    }
  /** The task's row in the task index needs writing; `attempts` counts failed writes (task-index-effect.ts). */
  | { kind: "index_task"; attempts: number }
  /** A step began waiting for an event: its row in the event index (catalog/event-waits.ts). */
  | { kind: "index_event_wait"; entry: EventWaitEntry }
  /** A step stopped waiting: its row leaves the event index. */
  | { kind: "unindex_event_wait"; task_uuid: string; step_uuid: string };

export interface EffectRow {
  id: number;
  effect: Effect;
}

export interface ParentRef {
  name: string;
  state: StepState;
}

export interface TimerRow {
  id: number;
  due_at: number;
  kind: string;
  step_uuid: string | null;
  dispatch_id: string | null;
}

export interface OutboxRow {
  dispatch_id: string;
  step_uuid: string;
  attempt: number;
}

export interface TransitionRow {
  from_state: string | null;
  to_state: string;
  event: string;
  metadata: string;
  recorded_at: number;
}
