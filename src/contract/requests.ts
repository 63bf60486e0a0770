// Request schemas of the REST API (bodies and query strings, zod), bounded by the published limits.
import { z } from "zod";
import { STEP_STATES, TASK_STATES } from "../engine/states";
import { DEFAULT_PAGE_SIZE, MAX_NAME_LENGTH, MAX_NAMESPACE_LENGTH, MAX_PAGE_SIZE, MAX_VERSION_LENGTH } from "../shared/limits";
import { NAME_PATTERN } from "../shared/names";
import { EVENT_NAME_PATTERN } from "../shared/wait-config";
import { MAX_WEBHOOKS_PER_REQUEST } from "../shared/webhooks";
import { checkTimingChoice, SCHEDULE_LIMITS, scheduleTimingShape } from "../templates/schedule-spec";
import { WebhookEndpointSchema } from "../templates/webhooks";
import { BULK_ACTIONS } from "./permissions";
import { printableText } from "./printable-text";
import { instant, pageParameters, queryText, wholeNumber } from "./query-fields";

const text = printableText;

/** What a task records when a submission leaves out `source_system` or `reason`. */
export const DEFAULT_SOURCE_SYSTEM = "api";
export const DEFAULT_REASON = "task requested";

/**
 * Tasker's TaskRequest (reference §8): which template to run, with what context, and who asked.
 * Strict: an unknown field (a misspelt `idempotency_key`) is refused, never silently dropped.
 */
export const TaskRequestSchema = z.strictObject({
  name: text(MAX_NAME_LENGTH),
  /** Left out: the one namespace holding a template of this name. */
  namespace: text(MAX_NAMESPACE_LENGTH).optional(),
  /** Left out: the template's newest version. */
  version: text(MAX_VERSION_LENGTH).optional(),
  context: z.record(z.string(), z.unknown()),
  initiator: text(MAX_NAME_LENGTH),
  source_system: text(MAX_NAME_LENGTH).default(DEFAULT_SOURCE_SYSTEM),
  reason: text(1_000).default(DEFAULT_REASON),
  priority: z.number().int().min(-1_000).max(1_000).default(0),
  tags: z.array(text(100)).max(50).default([]),
  correlation_id: text(MAX_NAME_LENGTH).optional(),
  parent_correlation_id: text(MAX_NAME_LENGTH).optional(),
  /** Names the submission: a repeat with the same key (for this template) is refused with 409. */
  idempotency_key: text(MAX_NAME_LENGTH).optional(),
  /** Endpoints told of this task's end or block, on top of its template's (docs/api.md#webhooks). */
  webhooks: z.array(WebhookEndpointSchema).max(MAX_WEBHOOKS_PER_REQUEST).optional(),
});
export type TaskRequest = z.infer<typeof TaskRequestSchema>;

export const CancelRequestSchema = z.strictObject({ reason: text(1_000).optional() }).default({});

/** Tasker's `StepManualAction` (reference §5.4): an operator's repair of one step, and who did it. */
export const StepActionSchema = z.discriminatedUnion("action_type", [
  z.strictObject({ action_type: z.literal("reset_for_retry"), reason: text(1_000), reset_by: text(MAX_NAME_LENGTH) }),
  z.strictObject({ action_type: z.literal("resolve_manually"), reason: text(1_000), resolved_by: text(MAX_NAME_LENGTH) }),
  z.strictObject({
    action_type: z.literal("complete_manually"),
    reason: text(1_000),
    completed_by: text(MAX_NAME_LENGTH),
    completion_data: z.strictObject({
      result: z.unknown().refine((value) => value !== undefined, "completion_data.result is required"),
      metadata: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);
export type StepActionRequest = z.infer<typeof StepActionSchema>;

/** Ends a blocked task as a whole: `give_up` (→ error) or `resolve_manually` (→ resolved_manually). */
export const TaskActionSchema = z.strictObject({
  action_type: z.enum(["give_up", "resolve_manually"]),
  reason: text(1_000),
  performed_by: text(MAX_NAME_LENGTH),
});

/** Pauses or resumes a task: why, and who (free text, recorded next to the authenticated caller). */
export const TaskControlSchema = z.strictObject({
  reason: text(1_000),
  performed_by: text(MAX_NAME_LENGTH).optional(),
});

/** Steps per page of `GET …/workflow_steps` unless `per_page` says otherwise, and the most it may ask for. */
export const STEPS_PER_PAGE = 500;
export const MAX_STEPS_PER_PAGE = 1_000;

/** `GET /v1/tasks/{task_uuid}/workflow_steps`: a page of the task's steps. */
export const StepListQuerySchema = z
  .object({
    ...pageParameters({ perPage: STEPS_PER_PAGE, maxPerPage: MAX_STEPS_PER_PAGE, noun: "steps" }),
    batch: queryText(MAX_NAME_LENGTH).optional().describe("only the workers of this batch (its batchable step's name)"),
    state: z
      .enum(STEP_STATES, { error: `must be one of ${STEP_STATES.join(", ")}` })
      .optional()
      .describe("only steps in this state"),
  })
  .strict();

/** `GET /v1/templates`: optionally one namespace's templates. */
export const TemplateListQuerySchema = z
  .object({ namespace: queryText(MAX_NAMESPACE_LENGTH).optional().describe("only this namespace's templates") })
  .strict();

/**
 * `GET /v1/tasks`: filters, page and page size. Unknown parameters are refused so a misspelt filter
 * never silently lists everything.
 */
export const TaskListQuerySchema = z
  .object({
    namespace: queryText(MAX_NAMESPACE_LENGTH).optional(),
    name: queryText(MAX_NAME_LENGTH).optional(),
    version: queryText(MAX_VERSION_LENGTH).optional(),
    status: z.enum(TASK_STATES, { error: `must be one of ${TASK_STATES.join(", ")}` }).optional(),
    initiator: queryText(MAX_NAME_LENGTH).optional(),
    source_system: queryText(MAX_NAME_LENGTH).optional(),
    correlation_id: queryText(MAX_NAME_LENGTH).optional(),
    created_after: instant.optional().describe("tasks created at or after this instant (ISO 8601)"),
    created_before: instant.optional().describe("tasks created before this instant (ISO 8601)"),
    ...pageParameters({ perPage: DEFAULT_PAGE_SIZE, maxPerPage: MAX_PAGE_SIZE, noun: "tasks" }),
  })
  .strict();

/** The task listing's filters as a bulk job takes them (JSON, times as ISO 8601): which tasks it acts on. */
export const BulkFilterSchema = z
  .strictObject({
    namespace: text(MAX_NAMESPACE_LENGTH).optional(),
    name: text(MAX_NAME_LENGTH).optional(),
    version: text(MAX_VERSION_LENGTH).optional(),
    status: z.enum(TASK_STATES, { error: `must be one of ${TASK_STATES.join(", ")}` }).optional(),
    initiator: text(MAX_NAME_LENGTH).optional(),
    source_system: text(MAX_NAME_LENGTH).optional(),
    correlation_id: text(MAX_NAME_LENGTH).optional(),
    created_after: instant.optional().describe("tasks created at or after this instant (ISO 8601)"),
    created_before: instant.optional().describe("tasks created before this instant (ISO 8601)"),
  })
  .default({});

/** `POST /v1/bulk-jobs`: one operator action over every task the filter matches; a dry run only counts them. */
export const BulkJobRequestSchema = z.strictObject({
  filter: BulkFilterSchema,
  action: z.enum(BULK_ACTIONS, { error: `must be one of ${BULK_ACTIONS.join(", ")}` }),
  reason: text(1_000),
  dry_run: z.boolean().default(false),
});
export type BulkJobRequest = z.infer<typeof BulkJobRequestSchema>;

/** `GET /v1/bulk-jobs`: the most recent jobs first. */
export const BulkJobListQuerySchema = z
  .object({ limit: wholeNumber(100).default(20).describe("jobs to list, 20 by default, at most 100") })
  .strict();
/** `POST /v1/schedules`: a schedule of a template's tasks, in the template's namespace. */
export const ScheduleRequestSchema = z
  .strictObject({
    /** Unique in the namespace: the schedule's id is `<namespace>.<name>`. */
    name: z
      .string()
      .max(SCHEDULE_LIMITS.nameLength)
      .regex(NAME_PATTERN, "must start with a lowercase letter, then lowercase letters, digits or _"),
    namespace: text(MAX_NAMESPACE_LENGTH),
    template_name: text(MAX_NAME_LENGTH),
    /** Left out: the template's newest version at each fire. */
    template_version: text(MAX_VERSION_LENGTH).optional(),
    ...scheduleTimingShape,
    /** Created paused: it fires only once resumed. */
    paused: z.boolean().optional(),
  })
  .superRefine(checkTimingChoice);
export type ScheduleRequest = z.infer<typeof ScheduleRequestSchema>;

/** `GET /v1/schedules`: filters, page and page size. */
export const ScheduleListQuerySchema = z
  .object({
    namespace: queryText(MAX_NAMESPACE_LENGTH).optional(),
    template_name: queryText(MAX_NAME_LENGTH).optional(),
    source: z.enum(["template", "api"], { error: "must be template or api" }).optional(),
    paused: z.enum(["true", "false"], { error: "must be true or false" }).optional(),
    ...pageParameters({ perPage: DEFAULT_PAGE_SIZE, maxPerPage: MAX_PAGE_SIZE, noun: "schedules" }),
  })
  .strict();
/** An event's name, as wait-for-event steps name it. */
const eventName = z.string().regex(EVENT_NAME_PATTERN, "must be an event name: a letter, then letters, digits, _ . : -");

/**
 * `POST /v1/tasks/{task_uuid}/events`: an event for one task. `event_id` makes repeats harmless;
 * left out, it is derived from the name and payload, so the same content sent twice counts once.
 */
export const TaskEventRequestSchema = z.strictObject({
  name: eventName,
  payload: z.unknown().default(null),
  event_id: text(200).optional(),
});

/**
 * `POST /v1/events`: an event for every task waiting for it: with `correlation_id`, the unfinished
 * tasks of that correlation id (which keep it if no step waits yet); without, the tasks with a step
 * waiting for this name whose match fields the payload meets.
 */
export const EventRequestSchema = z.strictObject({
  name: eventName,
  payload: z.unknown().default(null),
  event_id: text(200).optional(),
  correlation_id: text(MAX_NAME_LENGTH).optional(),
});
