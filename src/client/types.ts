// Request and response types of the client, inferred from the API's contract (type-only: no zod at run time).
import type { z } from "zod";
import type {
  BulkJobRequestSchema,
  EventRequestSchema,
  ScheduleListQuerySchema,
  ScheduleRequestSchema,
  StepActionSchema,
  TaskControlSchema,
  TaskEventRequestSchema,
  TaskListQuerySchema,
  TaskRequestSchema,
} from "../contract/requests";
import type {
  BatchSummarySchema,
  BulkDryRunSchema,
  BulkJobListSchema,
  BulkJobViewSchema,
  ChildTaskLinkSchema,
  EventReceiptSchema,
  EventRoutingSchema,
  HealthSchema,
  PaginationSchema,
  ScheduleDeletedSchema,
  ScheduleFireSchema,
  ScheduleListSchema,
  ScheduleSummarySchema,
  ScheduleTriggerSchema,
  ScheduleViewSchema,
  StepAuditSchema,
  StepErrorSchema,
  StepGraphSchema,
  StepsPageSchema,
  StepViewSchema,
  TaskListSchema,
  TaskSummarySchema,
  TaskViewSchema,
  TemplateDetailSchema,
  TemplateListSchema,
  TemplateOriginSchema,
  TemplateProblemSchema,
  TemplateStepSchema,
  TemplateSummarySchema,
  TemplateValidationSchema,
  TransitionsSchema,
  TransitionViewSchema,
  WebhookAttemptSchema,
  WebhookDeliveriesSchema,
  WebhookDeliverySchema,
} from "../contract/responses";

export type TaskView = z.output<typeof TaskViewSchema>;
export type ChildTaskLink = z.output<typeof ChildTaskLinkSchema>;
export type StepView = z.output<typeof StepViewSchema>;
export type StepError = z.output<typeof StepErrorSchema>;
export type TransitionView = z.output<typeof TransitionViewSchema>;
export type { WebhookEndpoint, WebhookEvent } from "../shared/webhooks";
export type WebhookDeliveries = z.output<typeof WebhookDeliveriesSchema>;
export type WebhookDelivery = z.output<typeof WebhookDeliverySchema>;
export type WebhookAttempt = z.output<typeof WebhookAttemptSchema>;
export type TaskSummary = z.output<typeof TaskSummarySchema>;
export type TaskStatus = TaskView["status"];

/**
 * Tasker's TaskRequest: which template to run, with what context, and who asked (`POST /v1/tasks`).
 * Any other field is refused with 400 `invalid_request`; `source_system` is `"api"` and `reason`
 * `"task requested"` when left out.
 */
export type TaskRequest = z.input<typeof TaskRequestSchema>;

/** `complete_manually`'s payload: the result dependents read, and optional metadata. */
export type CompletionData = Extract<z.input<typeof StepActionSchema>, { action_type: "complete_manually" }>["completion_data"];

export type TransitionsResponse = z.output<typeof TransitionsSchema>;
export type StepsResponse = z.output<typeof StepsPageSchema>;
/** `GET /v1/tasks/{uuid}/step_graph`: the steps without the batch workers, and each batch counted per state. */
export type StepGraph = z.output<typeof StepGraphSchema>;
export type BatchSummary = z.output<typeof BatchSummarySchema>;
export type StepAuditResponse = z.output<typeof StepAuditSchema>;

/**
 * Filters and page of `GET /v1/tasks`: the query parameters the server takes, with times as ISO 8601
 * strings or Dates (`page` from 1; `per_page` 25 by default, at most 100).
 */
export type TaskListFilters = {
  [K in Exclude<keyof z.output<typeof TaskListQuerySchema>, "created_after" | "created_before">]?: z.output<
    typeof TaskListQuerySchema
  >[K];
} & {
  /** Tasks created at or after this instant. */
  created_after?: string | Date;
  /** Tasks created before this instant. */
  created_before?: string | Date;
};

export type Pagination = z.output<typeof PaginationSchema>;
export type TaskList = z.output<typeof TaskListSchema>;

export type TemplateOrigin = z.output<typeof TemplateOriginSchema>;
export type TemplateSummary = z.output<typeof TemplateSummarySchema>;
export type TemplateList = z.output<typeof TemplateListSchema>;
export type TemplateStep = z.output<typeof TemplateStepSchema>;
export type TemplateDetail = z.output<typeof TemplateDetailSchema>;

/** What `registerTemplate` returns: the template as stored, and whether this call stored it (201) or it was there (200). */
export interface TemplateRegistration {
  created: boolean;
  template: TemplateDetail;
}

export type TemplateProblem = z.output<typeof TemplateProblemSchema>;
export type TemplateValidation = z.output<typeof TemplateValidationSchema>;
export type HealthResponse = z.output<typeof HealthSchema>;

export interface WaitOptions {
  /** Statuses that end the wait; default: the terminal states plus `blocked_by_failures`. */
  until?: readonly TaskStatus[];
  /** Gives up with a `TaskerTimeoutError` after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between polls (default 250 ms). */
  intervalMs?: number;
}

/** `POST /v1/bulk-jobs`'s body: a filter of the task listing (times as ISO 8601), an action and why. */
export type BulkJobRequest = Omit<z.input<typeof BulkJobRequestSchema>, "dry_run">;
export type BulkAction = BulkJobRequest["action"];
export type BulkDryRun = z.output<typeof BulkDryRunSchema>;
export type BulkJobView = z.output<typeof BulkJobViewSchema>;
export type BulkJobList = z.output<typeof BulkJobListSchema>;
/** `POST /v1/tasks/{uuid}/events`: an event's name, payload and (optional) id. */
export type TaskEvent = z.input<typeof TaskEventRequestSchema>;
/** `POST /v1/events`: the same, optionally routed by `correlation_id`. */
export type RoutedEvent = z.input<typeof EventRequestSchema>;
export type EventReceipt = z.output<typeof EventReceiptSchema>;
export type EventRouting = z.output<typeof EventRoutingSchema>;
/** `POST /v1/tasks/{uuid}/pause` and `/resume`: why (recorded on the task) and, optionally, who. */
export type TaskControl = z.input<typeof TaskControlSchema>;

/** `POST /v1/schedules`: a template's tasks on `cron` (with an optional `timezone`) or a fixed `interval`. */
export type ScheduleRequest = z.input<typeof ScheduleRequestSchema>;
/**
 * Filters and page of `GET /v1/schedules` (`page` from 1; `per_page` 25 by default, at most 100);
 * `paused` as a boolean or its query spelling.
 */
export type ScheduleListFilters = {
  [K in Exclude<keyof z.output<typeof ScheduleListQuerySchema>, "paused">]?: z.output<typeof ScheduleListQuerySchema>[K];
} & { paused?: boolean | "true" | "false" };
export type ScheduleSummary = z.output<typeof ScheduleSummarySchema>;
export type ScheduleList = z.output<typeof ScheduleListSchema>;
export type ScheduleView = z.output<typeof ScheduleViewSchema>;
export type ScheduleFire = z.output<typeof ScheduleFireSchema>;
export type ScheduleTrigger = z.output<typeof ScheduleTriggerSchema>;
export type ScheduleDeleted = z.output<typeof ScheduleDeletedSchema>;
