// The one table of the API's routes: method, path, operation id, permission, request and response schemas.
import type { z } from "zod";
import { TemplateSchema } from "../templates/schema";
import type { Permission } from "./permissions";
import {
  BulkJobListQuerySchema,
  BulkJobRequestSchema,
  CancelRequestSchema,
  EventRequestSchema,
  ScheduleListQuerySchema,
  ScheduleRequestSchema,
  StepActionSchema,
  StepListQuerySchema,
  TaskActionSchema,
  TaskControlSchema,
  TaskEventRequestSchema,
  TaskListQuerySchema,
  TaskRequestSchema,
  TemplateListQuerySchema,
} from "./requests";
import {
  BulkDryRunSchema,
  BulkJobListSchema,
  BulkJobViewSchema,
  EventReceiptSchema,
  EventRoutingSchema,
  HealthSchema,
  LivenessSchema,
  OpenApiDocumentSchema,
  ReadinessSchema,
  ScheduleDeletedSchema,
  ScheduleListSchema,
  ScheduleTriggerSchema,
  ScheduleViewSchema,
  StepAuditSchema,
  StepGraphSchema,
  StepsPageSchema,
  StepViewSchema,
  TaskListSchema,
  TaskViewSchema,
  TemplateDetailSchema,
  TemplateListSchema,
  TemplateValidationSchema,
  TransitionsSchema,
  WebhookDeliveriesSchema,
} from "./responses";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteContract {
  method: HttpMethod;
  /** OpenAPI form: `/v1/tasks/{task_uuid}`; every `{name}` is a required path parameter. */
  path: string;
  summary: string;
  /** What the caller must be granted (when authentication is configured). */
  permission?: Permission;
  /** The query parameters taken; a route without one refuses any parameter with 400 `invalid_query`. */
  query?: z.ZodObject;
  /** The body: JSON, or a template sent as YAML or JSON. */
  body?: { schema: z.ZodType; required: boolean; media: "json" | "template" };
  /** The successful answers by status, each with its schema. */
  responses: { readonly [status: number]: z.ZodType };
  /** The route's own error statuses (the envelope); see `answeredErrors` for those every route shares. */
  errors: readonly number[];
}

const TASK = "/v1/tasks/{task_uuid}";
const STEP = `${TASK}/workflow_steps/{step_uuid}`;
const TEMPLATE = "/v1/templates/{namespace}/{name}/{version}";
const SCHEDULE = "/v1/schedules/{schedule_id}";

/** Every route of the API, keyed by operation id. The app registers exactly these, and /openapi.json documents them. */
export const ROUTES = {
  health: {
    method: "GET",
    path: "/health",
    summary: "Health",
    responses: { 200: HealthSchema },
    errors: [],
  },
  liveness: {
    method: "GET",
    path: "/health/live",
    summary: "Liveness",
    responses: { 200: LivenessSchema },
    errors: [],
  },
  readiness: {
    method: "GET",
    path: "/health/ready",
    summary: "Readiness: bindings and bundled templates",
    responses: { 200: ReadinessSchema },
    errors: [503],
  },
  openApiDocument: {
    method: "GET",
    path: "/openapi.json",
    summary: "This document",
    responses: { 200: OpenApiDocumentSchema },
    errors: [],
  },
  listTasks: {
    method: "GET",
    path: "/v1/tasks",
    summary: "List tasks from the index, newest first, filtered and paginated",
    permission: "tasks:list",
    query: TaskListQuerySchema,
    responses: { 200: TaskListSchema },
    errors: [400, 401, 403, 503],
  },
  createTask: {
    method: "POST",
    path: "/v1/tasks",
    summary: "Submit a task",
    permission: "tasks:create",
    body: { schema: TaskRequestSchema, required: true, media: "json" },
    responses: { 201: TaskViewSchema },
    errors: [400, 401, 403, 404, 409, 413, 503],
  },
  getTask: {
    method: "GET",
    path: TASK,
    summary: "Read a task with its step counts",
    permission: "tasks:read",
    responses: { 200: TaskViewSchema },
    errors: [400, 401, 403, 404],
  },
  actOnTask: {
    method: "PATCH",
    path: TASK,
    summary: "End a blocked task: give_up or resolve_manually",
    permission: "tasks:resolve",
    body: { schema: TaskActionSchema, required: true, media: "json" },
    responses: { 200: TaskViewSchema },
    errors: [400, 401, 403, 404, 409],
  },
  cancelTask: {
    method: "DELETE",
    path: TASK,
    summary: "Cancel a task and its unfinished steps",
    permission: "tasks:cancel",
    body: { schema: CancelRequestSchema, required: false, media: "json" },
    responses: { 200: TaskViewSchema },
    errors: [400, 401, 403, 404, 409],
  },
  taskTransitions: {
    method: "GET",
    path: `${TASK}/transitions`,
    summary: "The task's transitions, oldest first",
    permission: "tasks:read",
    responses: { 200: TransitionsSchema },
    errors: [400, 401, 403, 404],
  },
  listSteps: {
    method: "GET",
    path: `${TASK}/workflow_steps`,
    summary: "The task's steps in template order",
    permission: "steps:read",
    query: StepListQuerySchema,
    responses: { 200: StepsPageSchema },
    errors: [400, 401, 403, 404],
  },
  getStep: {
    method: "GET",
    path: STEP,
    summary: "Read one step",
    permission: "steps:read",
    responses: { 200: StepViewSchema },
    errors: [400, 401, 403, 404],
  },
  actOnStep: {
    method: "PATCH",
    path: STEP,
    summary: "Operator action on a step: reset_for_retry, resolve_manually or complete_manually",
    permission: "steps:resolve",
    body: { schema: StepActionSchema, required: true, media: "json" },
    responses: { 200: StepViewSchema },
    errors: [400, 401, 403, 404, 409, 413],
  },
  stepAudit: {
    method: "GET",
    path: `${STEP}/audit`,
    summary: "The step's transitions, oldest first",
    permission: "steps:read",
    responses: { 200: StepAuditSchema },
    errors: [400, 401, 403, 404],
  },
  listTemplates: {
    method: "GET",
    path: "/v1/templates",
    summary: "List templates (optionally ?namespace=)",
    permission: "templates:read",
    query: TemplateListQuerySchema,
    responses: { 200: TemplateListSchema },
    errors: [401, 403, 503],
  },
  getTemplate: {
    method: "GET",
    path: TEMPLATE,
    summary: "Read one template",
    permission: "templates:read",
    responses: { 200: TemplateDetailSchema },
    errors: [401, 403, 404, 503],
  },
  registerTemplate: {
    method: "PUT",
    path: TEMPLATE,
    summary: "Register a template version (YAML or JSON); a registered version never changes",
    permission: "templates:write",
    body: { schema: TemplateSchema, required: true, media: "template" },
    responses: { 201: TemplateDetailSchema, 200: TemplateDetailSchema },
    errors: [400, 401, 403, 409, 413, 415, 503],
  },
  validateTemplate: {
    method: "POST",
    path: "/v1/templates/validate",
    summary: "Validate a template (YAML or JSON) without storing it",
    permission: "templates:validate",
    body: { schema: TemplateSchema, required: true, media: "template" },
    responses: { 200: TemplateValidationSchema },
    errors: [400, 401, 403, 413, 415],
  },
  // Bulk jobs: each needs tasks:list, and the route checks the permission of the job's action too (BULK_ACTION_PERMISSIONS).
  createBulkJob: {
    method: "POST",
    path: "/v1/bulk-jobs",
    summary: "Apply one operator action to every task a filter matches (dry_run: only count them)",
    permission: "tasks:list",
    body: { schema: BulkJobRequestSchema, required: true, media: "json" },
    responses: { 200: BulkDryRunSchema, 202: BulkJobViewSchema },
    errors: [400, 401, 403, 503],
  },
  listBulkJobs: {
    method: "GET",
    path: "/v1/bulk-jobs",
    summary: "Recent bulk jobs, newest first",
    permission: "tasks:list",
    query: BulkJobListQuerySchema,
    responses: { 200: BulkJobListSchema },
    errors: [400, 401, 403, 503],
  },
  getBulkJob: {
    method: "GET",
    path: "/v1/bulk-jobs/{job_id}",
    summary: "A bulk job's progress",
    permission: "tasks:list",
    responses: { 200: BulkJobViewSchema },
    errors: [400, 401, 403, 404],
  },
  cancelBulkJob: {
    method: "POST",
    path: "/v1/bulk-jobs/{job_id}/cancel",
    summary: "Stop a running bulk job; tasks already acted on stay as they are",
    permission: "tasks:list",
    responses: { 200: BulkJobViewSchema },
    errors: [400, 401, 403, 404, 409],
  },
  listDeliveries: {
    method: "GET",
    path: `${TASK}/deliveries`,
    summary: "The task's webhook deliveries, newest first, each with its attempts",
    permission: "tasks:read",
    responses: { 200: WebhookDeliveriesSchema },
    errors: [400, 401, 403, 404],
  },
  listSchedules: {
    method: "GET",
    path: "/v1/schedules",
    summary: "List schedules from the index, in id order, filtered and paginated",
    permission: "schedules:read",
    query: ScheduleListQuerySchema,
    responses: { 200: ScheduleListSchema },
    errors: [400, 401, 403, 503],
  },
  createSchedule: {
    method: "POST",
    path: "/v1/schedules",
    summary: "Create a schedule: a template's tasks on a cron expression or a fixed interval",
    permission: "schedules:write",
    body: { schema: ScheduleRequestSchema, required: true, media: "json" },
    responses: { 201: ScheduleViewSchema },
    errors: [400, 401, 403, 404, 409, 413, 503],
  },
  getSchedule: {
    method: "GET",
    path: SCHEDULE,
    summary: "Read a schedule with its latest fires",
    permission: "schedules:read",
    responses: { 200: ScheduleViewSchema },
    errors: [400, 401, 403, 404],
  },
  deleteSchedule: {
    method: "DELETE",
    path: SCHEDULE,
    summary: "Delete a schedule made through the API (a template's schedules go with the template)",
    permission: "schedules:write",
    responses: { 200: ScheduleDeletedSchema },
    errors: [400, 401, 403, 404, 409],
  },
  pauseSchedule: {
    method: "POST",
    path: `${SCHEDULE}/pause`,
    summary: "Pause a schedule: no fire until it is resumed",
    permission: "schedules:write",
    responses: { 200: ScheduleViewSchema },
    errors: [400, 401, 403, 404],
  },
  resumeSchedule: {
    method: "POST",
    path: `${SCHEDULE}/resume`,
    summary: "Resume a schedule from its next fire time after now",
    permission: "schedules:write",
    responses: { 200: ScheduleViewSchema },
    errors: [400, 401, 403, 404],
  },
  triggerSchedule: {
    method: "POST",
    path: `${SCHEDULE}/trigger`,
    summary: "Fire a schedule now, under its overlap policy",
    permission: "schedules:write",
    responses: { 200: ScheduleTriggerSchema },
    errors: [400, 401, 403, 404, 503],
  },
  sendTaskEvent: {
    method: "POST",
    path: `${TASK}/events`,
    summary: "Send an event to one task: a step waiting for it takes it, or the task keeps it for one",
    permission: "events:send",
    body: { schema: TaskEventRequestSchema, required: true, media: "json" },
    responses: { 200: EventReceiptSchema },
    errors: [400, 401, 403, 404, 409, 413],
  },
  sendEvent: {
    method: "POST",
    path: "/v1/events",
    summary: "Send an event to every task waiting for it (by correlation_id, or by name and match fields)",
    permission: "events:send",
    body: { schema: EventRequestSchema, required: true, media: "json" },
    responses: { 200: EventRoutingSchema },
    errors: [400, 401, 403, 413],
  },
  pauseTask: {
    method: "POST",
    path: `${TASK}/pause`,
    summary: "Pause a task: nothing new is dispatched until it is resumed; steps in flight finish",
    permission: "tasks:pause",
    body: { schema: TaskControlSchema, required: true, media: "json" },
    responses: { 200: TaskViewSchema },
    errors: [400, 401, 403, 404, 409],
  },
  resumeTask: {
    method: "POST",
    path: `${TASK}/resume`,
    summary: "Resume a paused task where it was",
    permission: "tasks:pause",
    body: { schema: TaskControlSchema, required: true, media: "json" },
    responses: { 200: TaskViewSchema },
    errors: [400, 401, 403, 404, 409],
  },
  stepGraph: {
    method: "GET",
    path: `${TASK}/step_graph`,
    summary: "The task's steps without its batch workers, and each batch's worker count per state",
    permission: "steps:read",
    responses: { 200: StepGraphSchema },
    errors: [400, 401, 403, 404],
  },
} as const satisfies Record<string, RouteContract>;

export type OperationId = keyof typeof ROUTES;
export type Route = (typeof ROUTES)[OperationId];

/** The statuses a route answers without success: its own errors plus what every route of its kind shares. */
export function answeredErrors(route: RouteContract): number[] {
  // Every route refuses query parameters it does not take (400), and every body route other media types (415).
  const errors = new Set([400, ...route.errors, ...(route.body ? [415] : [])]);
  // In front of every /v1 route: 503 while authentication or the limits are misconfigured, and 429
  // for a write past the caller's budget.
  if (route.path.startsWith("/v1/")) {
    errors.add(503);
    if (route.method !== "GET") errors.add(429);
  }
  return [...errors].sort((a, b) => a - b);
}

/** The successful statuses a route answers. */
export const successStatuses = (route: RouteContract): number[] => Object.keys(route.responses).map(Number);
