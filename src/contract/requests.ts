// Request schemas of the REST API (bodies and query strings, zod), bounded by the published limits.
import { z } from "zod";
import { TASK_STATES } from "../engine/states";
import { DEFAULT_PAGE_SIZE, MAX_NAME_LENGTH, MAX_NAMESPACE_LENGTH, MAX_PAGE_SIZE, MAX_VERSION_LENGTH } from "../shared/limits";
import { printableText } from "./printable-text";
import { instant, pageParameters, queryText } from "./query-fields";

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
  .object(pageParameters({ perPage: STEPS_PER_PAGE, maxPerPage: MAX_STEPS_PER_PAGE, noun: "steps" }))
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
