// Response schemas of the REST API (zod): the views the server answers with, the client's types and /openapi.json's components.
import { z } from "zod";
import { STEP_STATES, TASK_STATES } from "../engine/states";
import { IDENTITY_STRATEGIES } from "../shared/names";
import { WEBHOOK_EVENTS } from "../shared/webhooks";
import { OVERLAP_POLICIES } from "../templates/schedule-spec";
import { BACKOFF_KINDS, STEP_TYPES } from "../templates/schema";
import { BULK_ACTIONS } from "./permissions";

/** The named response schemas; each becomes `#/components/schemas/<id>` in /openapi.json. */
export const responseSchemas = z.registry<{ id: string; description?: string }>();

/** An ISO 8601 date-time in UTC, as `Date.prototype.toISOString` writes it. */
const isoTime = () => z.iso.datetime();
const count = () => z.number().int().nonnegative();
const record = () => z.record(z.string(), z.unknown());

/** Who asked for a change, as authenticated by the API. */
export const ActorSchema = z
  .strictObject({ name: z.string(), via: z.enum(["api_key", "jwt", "none"]) })
  .register(responseSchemas, { id: "Actor" });

/** Tasker's execution status of a task, derived from its step counts. */
export const EXECUTION_STATUSES = [
  "all_complete",
  "blocked_by_failures",
  "processing",
  "waiting_for_retry",
  "waiting_for_dependencies",
  "cancelled",
  "resolved_manually",
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const ChildTaskLinkSchema = z
  .strictObject({ step_uuid: z.string(), step_name: z.string(), child_task_uuid: z.string() })
  .register(responseSchemas, { id: "ChildTaskLink" });

/** Who paused a task, when and why: set while the task is paused. */
export const TaskPauseSchema = z
  .strictObject({
    paused_at: isoTime(),
    performed_by: z.string(),
    reason: z.string(),
    actor: ActorSchema.nullable(),
  })
  .register(responseSchemas, { id: "TaskPause" });

/** A task with its step counts (`GET /v1/tasks/{task_uuid}` and every task-changing route). */
export const TaskViewSchema = z
  .strictObject({
    task_uuid: z.string(),
    name: z.string(),
    namespace: z.string(),
    version: z.string(),
    status: z.enum(TASK_STATES),
    context: record(),
    initiator: z.string(),
    source_system: z.string(),
    reason: z.string(),
    priority: z.number().int(),
    tags: z.array(z.string()),
    correlation_id: z.string(),
    parent_correlation_id: z.string().nullable(),
    created_at: isoTime(),
    updated_at: isoTime(),
    completed_at: isoTime().nullable(),
    total_steps: count(),
    pending_steps: count(),
    in_progress_steps: count(),
    completed_steps: count(),
    failed_steps: count(),
    waiting_for_retry_steps: count(),
    cancelled_steps: count(),
    completion_percentage: z.number().min(0).max(100),
    execution_status: z.enum(EXECUTION_STATUSES),
    /** Set on a child task: the task and step that started it. */
    parent_task_uuid: z.string().nullable(),
    parent_step_uuid: z.string().nullable(),
    parent_step_name: z.string().nullable(),
    /** The child tasks this task's workflow steps started, newest attempt last. */
    child_tasks: z.array(ChildTaskLinkSchema),
    /** The principal (API key name or JWT `sub`) whose request created this task or, for a child, its root; null on tasks older than the record. */
    created_by: z.string().nullable(),
    /** Set while the task is paused: nothing new is dispatched until it is resumed. */
    paused: TaskPauseSchema.nullable(),
    /** When a finished task's storage is purged (its retention runs out); null while it runs, or when kept forever. */
    purge_at: isoTime().nullable(),
  })
  .register(responseSchemas, { id: "TaskView", description: "a task with its step counts" });

/** A step's last failure. */
export const StepErrorSchema = z
  .object({
    message: z.string(),
    error_code: z.string(),
    error_type: z.string().optional(),
    retryable: z.boolean(),
    attempt: z.number().int(),
    at: isoTime(),
  })
  .register(responseSchemas, { id: "StepError" });

/** One workflow step of a task. */
/** A sleeping step's wake-up, or the event a step waits for, its match and its timeout. */
export const StepWaitSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("sleep"), wakes_at: isoTime() }),
    z.strictObject({
      kind: z.literal("event"),
      event: z.string(),
      match: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      timeout_at: isoTime().nullable(),
    }),
  ])
  .register(responseSchemas, { id: "StepWait", description: "what a waiting step waits for" });

export const StepViewSchema = z
  .strictObject({
    step_uuid: z.string(),
    task_uuid: z.string(),
    name: z.string(),
    type: z.enum(STEP_TYPES),
    callable: z.string(),
    current_state: z.enum(STEP_STATES),
    dependencies: z.array(z.string()),
    dependencies_satisfied: z.boolean(),
    total_parents: count(),
    completed_parents: count(),
    attempts: count(),
    max_attempts: count(),
    retryable: z.boolean(),
    timeout_seconds: z.number(),
    results: z.unknown(),
    last_error: StepErrorSchema.nullable(),
    next_retry_at: isoTime().nullable(),
    created_at: isoTime(),
    updated_at: isoTime(),
    last_attempted_at: isoTime().nullable(),
    completed_at: isoTime().nullable(),
    /** A batch worker's cursor and batch metadata; null for other steps. */
    inputs: z.unknown(),
    /** The child task a workflow step started (its latest attempt); null for other steps. */
    child_task_uuid: z.string().nullable(),
    /** What a sleeping or event-waiting step waits for (when it wakes, which event until when); null otherwise. */
    waiting: StepWaitSchema.nullable(),
  })
  .register(responseSchemas, { id: "StepView", description: "one workflow step" });

/** One recorded state change of a task or a step. */
export const TransitionViewSchema = z
  .strictObject({
    from_state: z.string().nullable(),
    to_state: z.string(),
    event: z.string(),
    recorded_at: isoTime(),
    /** Who asked for it (an operator action, a task action, a cancel); null for the engine's own moves. */
    actor: ActorSchema.nullable(),
    metadata: record(),
  })
  .register(responseSchemas, { id: "TransitionView" });

/** The `pagination` block of every paged list. */
export const PaginationSchema = z
  .strictObject({
    page: z.number().int().min(1),
    per_page: z.number().int().min(1),
    total_count: count(),
    total_pages: z.number().int().min(1),
    has_next: z.boolean(),
    has_previous: z.boolean(),
  })
  .register(responseSchemas, { id: "Pagination" });

/** A task as `GET /v1/tasks` lists it from the index: the summary fields of the task view. */
export const TaskSummarySchema = z
  .strictObject({
    task_uuid: z.string(),
    namespace: z.string(),
    name: z.string(),
    version: z.string(),
    status: z.enum(TASK_STATES),
    initiator: z.string(),
    source_system: z.string(),
    reason: z.string(),
    priority: z.number().int(),
    tags: z.array(z.string()),
    correlation_id: z.string(),
    parent_correlation_id: z.string().nullable(),
    total_steps: count(),
    created_at: isoTime(),
    updated_at: isoTime(),
    completed_at: isoTime().nullable(),
  })
  .register(responseSchemas, { id: "TaskSummary" });

export const TaskListSchema = z
  .strictObject({ tasks: z.array(TaskSummarySchema), pagination: PaginationSchema })
  .register(responseSchemas, { id: "TaskList", description: "a page of tasks from the index, newest first" });

export const TransitionsSchema = z
  .strictObject({ task_uuid: z.string(), transitions: z.array(TransitionViewSchema) })
  .register(responseSchemas, { id: "TaskTransitions", description: "the task's transitions, oldest first" });

export const StepsPageSchema = z
  .strictObject({
    task_uuid: z.string(),
    total_count: count(),
    steps: z.array(StepViewSchema),
    pagination: PaginationSchema,
  })
  .register(responseSchemas, { id: "StepsPage", description: "a page of the task's steps" });

/** One batch of a task, counted without its workers: how many workers it has in each state. */
export const BatchSummarySchema = z
  .strictObject({
    batchable_step: z.string().describe("the batchable step that created the workers (the `batch` filter of the step list)"),
    worker_template: z.string().describe("the template step the workers were made from"),
    total: count(),
    counts: z.partialRecord(z.enum(STEP_STATES), count()).describe("workers per state; states with none are left out"),
  })
  .register(responseSchemas, { id: "BatchSummary", description: "a batch's worker count per state" });

export const StepGraphSchema = z
  .strictObject({
    task_uuid: z.string(),
    total_count: count().describe("every step of the task, batch workers included"),
    steps: z.array(StepViewSchema).describe("every step that is not a batch worker, in creation order"),
    batches: z.array(BatchSummarySchema),
  })
  .register(responseSchemas, {
    id: "StepGraph",
    description: "the task's steps without its batch workers, and each batch's worker count per state",
  });

export const StepAuditSchema = z
  .strictObject({ task_uuid: z.string(), step_uuid: z.string(), transitions: z.array(TransitionViewSchema) })
  .register(responseSchemas, { id: "StepAudit", description: "the step's transitions, oldest first" });

/** Where a template comes from: shipped with the Worker, or registered through the API. */
export const TemplateOriginSchema = z.enum(["bundled", "registered"]);

export const TemplateSummarySchema = z
  .strictObject({
    name: z.string(),
    namespace: z.string(),
    version: z.string(),
    description: z.string().nullable(),
    step_count: count(),
    origin: TemplateOriginSchema,
  })
  .register(responseSchemas, { id: "TemplateSummary" });

export const TemplateListSchema = z
  .strictObject({
    namespaces: z.array(z.strictObject({ name: z.string(), template_count: count() })),
    templates: z.array(TemplateSummarySchema),
    total_count: count(),
  })
  .register(responseSchemas, { id: "TemplateList", description: "the templates, by namespace" });

export const TemplateStepSchema = z
  .strictObject({
    name: z.string(),
    description: z.string().nullable(),
    type: z.enum(STEP_TYPES),
    callable: z.string(),
    dependencies: z.array(z.string()),
    default_retryable: z.boolean(),
    default_max_attempts: count(),
    retry: z.strictObject({
      retryable: z.boolean(),
      max_attempts: count(),
      backoff: z.enum(BACKOFF_KINDS),
      backoff_base_ms: z.number().nonnegative(),
      max_backoff_ms: z.number().nonnegative(),
    }),
    timeout_seconds: z.number(),
  })
  .register(responseSchemas, { id: "TemplateStep" });

/** One template with its steps (`GET`/`PUT /v1/templates/{namespace}/{name}/{version}`). */
export const TemplateDetailSchema = z
  .strictObject({
    name: z.string(),
    namespace: z.string(),
    version: z.string(),
    description: z.string().nullable(),
    metadata: record().nullable(),
    input_schema: record().nullable(),
    identity_strategy: z.enum(IDENTITY_STRATEGIES),
    origin: TemplateOriginSchema,
    /** For a registered template: SHA-256 of the loaded template, who registered it and when. */
    content_hash: z.string().optional(),
    registered_by: z.string().optional(),
    registered_at: isoTime().optional(),
    steps: z.array(TemplateStepSchema),
  })
  .register(responseSchemas, { id: "TemplateDetail", description: "a template with its steps" });

/** One problem of a template, at its key path (e.g. `steps[1].dependencies[0]`; empty for the whole template). */
export const TemplateProblemSchema = z
  .strictObject({ path: z.string(), message: z.string() })
  .register(responseSchemas, { id: "TemplateProblem" });

/** `POST /v1/templates/validate`: whether the template is valid, every problem, and what it is when valid. */
export const TemplateValidationSchema = z
  .strictObject({
    valid: z.boolean(),
    problems: z.array(TemplateProblemSchema),
    template: z
      .strictObject({
        namespace: z.string(),
        name: z.string(),
        version: z.string(),
        step_count: count(),
        content_hash: z.string(),
      })
      .optional(),
  })
  .register(responseSchemas, { id: "TemplateValidation", description: "whether the template is valid, and every problem" });

export const HealthSchema = z
  .strictObject({ status: z.literal("healthy"), service: z.string(), time: isoTime() })
  .register(responseSchemas, { id: "Health", description: "healthy" });

export const LivenessSchema = z
  .strictObject({ status: z.literal("alive"), time: isoTime() })
  .register(responseSchemas, { id: "Liveness", description: "alive" });

/** Each check is `ok…` or what is wrong with it. */
export const ReadinessSchema = z
  .strictObject({ status: z.literal("ready"), checks: z.record(z.string(), z.string()), time: isoTime() })
  .register(responseSchemas, { id: "Readiness", description: "ready, with the checks made" });

/** The one error envelope of every failure: `{ "error": { "code", "message", "details"? } }`. */
export const ErrorEnvelopeSchema = z
  .strictObject({
    error: z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .register(responseSchemas, { id: "Error", description: "the error envelope" });

/** `/openapi.json` itself: an OpenAPI 3.1 document. */
export const OpenApiDocumentSchema = z
  .looseObject({ openapi: z.literal("3.1.0"), info: record(), paths: record() })
  .register(responseSchemas, { id: "OpenApiDocument", description: "OpenAPI 3.1" });

/** A bulk job's filter as it was given, times in ISO 8601. */
export const BulkFilterViewSchema = z
  .strictObject({
    namespace: z.string().optional(),
    name: z.string().optional(),
    version: z.string().optional(),
    status: z.enum(TASK_STATES).optional(),
    initiator: z.string().optional(),
    source_system: z.string().optional(),
    correlation_id: z.string().optional(),
    created_after: isoTime().optional(),
    created_before: isoTime().optional(),
  })
  .register(responseSchemas, { id: "BulkFilter" });

export const BULK_JOB_STATUSES = ["running", "completed", "cancelled", "failed"] as const;

/** One task a bulk job skipped (the action did not apply: already finished, not blocked) or failed on. */
export const BulkJobErrorSchema = z
  .strictObject({
    task_uuid: z.string(),
    outcome: z.enum(["skipped", "failed"]),
    code: z.string(),
    message: z.string(),
  })
  .register(responseSchemas, { id: "BulkJobError" });

const bulkJobFields = {
  job_id: z.string(),
  action: z.enum(BULK_ACTIONS),
  filter: BulkFilterViewSchema,
  reason: z.string(),
  status: z.enum(BULK_JOB_STATUSES),
  matched: count(),
  processed: count(),
  succeeded: count(),
  skipped: count(),
  failed: count(),
  created_by: z.string(),
  created_at: isoTime(),
  updated_at: isoTime(),
  finished_at: isoTime().nullable(),
};

/** A bulk job's progress (`GET /v1/bulk-jobs/{job_id}`): counts so far and the first tasks it skipped or failed on. */
export const BulkJobViewSchema = z
  .strictObject({ ...bulkJobFields, failure: z.string().nullable(), errors: z.array(BulkJobErrorSchema) })
  .register(responseSchemas, { id: "BulkJob", description: "a bulk job and its progress" });

export const BulkJobListSchema = z
  .strictObject({ jobs: z.array(z.strictObject(bulkJobFields)) })
  .register(responseSchemas, { id: "BulkJobList", description: "recent bulk jobs, newest first" });

/** A dry run: how many tasks the job would act on, and a few of them. */
export const BulkDryRunSchema = z
  .strictObject({
    dry_run: z.literal(true),
    action: z.enum(BULK_ACTIONS),
    filter: BulkFilterViewSchema,
    matched: count(),
    sample: z.array(z.string()),
  })
  .register(responseSchemas, { id: "BulkDryRun", description: "what the job would match; nothing was changed" });
/** One attempt of a webhook delivery: when, how long, and the endpoint's status code or the error. */
export const WebhookAttemptSchema = z
  .strictObject({
    attempt: z.number().int().positive(),
    started_at: isoTime(),
    duration_ms: count().nullable(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    outcome: z.enum(["in_flight", "delivered", "failed", "interrupted"]),
  })
  .register(responseSchemas, { id: "WebhookAttempt" });

/** One delivery of one event to one endpoint; its id is the `Tasker-Delivery` header of every attempt. */
export const WebhookDeliverySchema = z
  .strictObject({
    delivery_id: z.string(),
    event: z.enum(WEBHOOK_EVENTS),
    url: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: count(),
    created_at: isoTime(),
    next_attempt_at: isoTime().nullable(),
    finished_at: isoTime().nullable(),
    attempt_log: z.array(WebhookAttemptSchema),
  })
  .register(responseSchemas, { id: "WebhookDelivery" });

export const WebhookDeliveriesSchema = z
  .strictObject({ task_uuid: z.string(), deliveries: z.array(WebhookDeliverySchema) })
  .register(responseSchemas, { id: "WebhookDeliveries", description: "the task's webhook deliveries, newest first" });
const OverlapSchema = z.enum(OVERLAP_POLICIES);

/** One fire of a schedule and what became of it. */
export const ScheduleFireSchema = z
  .strictObject({
    fire_at: isoTime(),
    manual: z.boolean(),
    outcome: z.enum(["started", "skipped", "buffered", "failed", "missed"]),
    task_uuid: z.string().nullable(),
    detail: z.string().nullable(),
    recorded_at: isoTime(),
  })
  .register(responseSchemas, { id: "ScheduleFire" });

const scheduleSummaryShape = {
  schedule_id: z.string(),
  name: z.string(),
  namespace: z.string(),
  template_name: z.string(),
  template_version: z.string().nullable(),
  source: z.enum(["template", "api"]),
  cron: z.string().nullable(),
  interval_seconds: z.number().int().nullable(),
  timezone: z.string(),
  overlap: OverlapSchema,
  paused: z.boolean(),
  next_fire_at: isoTime().nullable(),
  last_fire_at: isoTime().nullable(),
  last_task_uuid: z.string().nullable(),
  created_at: isoTime(),
  updated_at: isoTime(),
};

/** A schedule as `GET /v1/schedules` lists it from the index. */
export const ScheduleSummarySchema = z.strictObject(scheduleSummaryShape).register(responseSchemas, { id: "ScheduleSummary" });

/** A schedule read from its object: its configuration, state and latest fires. */
export const ScheduleViewSchema = z
  .strictObject({
    ...scheduleSummaryShape,
    context: record(),
    catch_up: count(),
    created_by: z.string(),
    namespace_scope: z.array(z.string()).nullable(),
    paused_by: z.string().nullable(),
    buffered_fire_at: isoTime().nullable(),
    missed_fires: count(),
    recent_fires: z.array(ScheduleFireSchema),
  })
  .register(responseSchemas, { id: "Schedule", description: "a schedule with its latest fires" });

export const ScheduleListSchema = z
  .strictObject({ schedules: z.array(ScheduleSummarySchema), pagination: PaginationSchema })
  .register(responseSchemas, { id: "ScheduleList", description: "a page of schedules from the index, in id order" });

export const ScheduleTriggerSchema = z
  .strictObject({
    outcome: z.enum(["started", "skipped", "buffered", "failed"]),
    task_uuid: z.string().nullable(),
    detail: z.string().nullable(),
    schedule: ScheduleViewSchema,
  })
  .register(responseSchemas, { id: "ScheduleTrigger", description: "what the fire did under the overlap policy" });

export const ScheduleDeletedSchema = z
  .strictObject({ schedule_id: z.string(), deleted: z.literal(true) })
  .register(responseSchemas, { id: "ScheduleDeleted", description: "the schedule is gone" });
/** What became of an event at one task. */
export const EventReceiptSchema = z
  .strictObject({
    task_uuid: z.string(),
    event_id: z.string(),
    /** `delivered`: a waiting step took it; `buffered`: kept for a step that will wait; `duplicate`: seen before, changed nothing. */
    status: z.enum(["delivered", "buffered", "duplicate"]),
    step_uuid: z.string().nullable(),
    step_name: z.string().nullable(),
  })
  .register(responseSchemas, { id: "EventReceipt", description: "an event's fate at one task" });

/** An event routed to the tasks waiting for it (only tasks the caller may see are ever named). */
export const EventRoutingSchema = z
  .strictObject({
    event_id: z.string(),
    name: z.string(),
    receipts: z.array(EventReceiptSchema),
    /** More tasks matched than one event is routed to (MAX_EVENT_TARGETS); send again to reach the rest. */
    truncated: z.boolean(),
  })
  .register(responseSchemas, { id: "EventRouting", description: "an event routed to waiting tasks" });
