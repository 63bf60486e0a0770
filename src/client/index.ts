// tasker-edge/client: a small typed fetch-based client for the tasker-edge REST API (Workers and Node 22).

// The response schemas the types above are inferred from, as types only (no zod at run time): a
// declaration a user emits from an inferred answer type can then name them.
export type {
  BulkDryRunSchema,
  BulkFilterViewSchema,
  BulkJobErrorSchema,
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
  StepsPageSchema,
  StepViewSchema,
  StepWaitSchema,
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
export { createClient, type TaskerClient } from "./client";
export { TaskerApiError } from "./errors";
export type { ClientOptions, FetchLike } from "./http";
export type * from "./types";
export { SETTLED_STATUSES, TaskerTimeoutError } from "./wait";
