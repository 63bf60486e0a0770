// Request schemas of the REST API (zod), bounded by the published limits.
import { z } from "zod";
import { MAX_NAME_LENGTH, MAX_NAMESPACE_LENGTH, MAX_VERSION_LENGTH } from "../engine/limits";
import { printableText } from "./printable-text";

const text = printableText;

/** Tasker's TaskRequest (reference §8): which template to run, with what context, and who asked. */
export const TaskRequestSchema = z.object({
  name: text(MAX_NAME_LENGTH),
  namespace: text(MAX_NAMESPACE_LENGTH),
  version: text(MAX_VERSION_LENGTH),
  context: z.record(z.string(), z.unknown()),
  initiator: text(MAX_NAME_LENGTH),
  source_system: text(MAX_NAME_LENGTH),
  reason: text(1_000),
  priority: z.number().int().min(-1_000).max(1_000).default(0),
  tags: z.array(text(100)).max(50).default([]),
  correlation_id: text(MAX_NAME_LENGTH).optional(),
  parent_correlation_id: text(MAX_NAME_LENGTH).optional(),
  /** Names the submission: a repeat with the same key (for this template) is refused with 409. */
  idempotency_key: text(MAX_NAME_LENGTH).optional(),
});
export type TaskRequest = z.infer<typeof TaskRequestSchema>;

export const CancelRequestSchema = z.object({ reason: text(1_000).optional() }).default({});

/** Tasker's `StepManualAction` (reference §5.4): an operator's repair of one step, and who did it. */
export const StepActionSchema = z.discriminatedUnion("action_type", [
  z.object({ action_type: z.literal("reset_for_retry"), reason: text(1_000), reset_by: text(MAX_NAME_LENGTH) }),
  z.object({ action_type: z.literal("resolve_manually"), reason: text(1_000), resolved_by: text(MAX_NAME_LENGTH) }),
  z.object({
    action_type: z.literal("complete_manually"),
    reason: text(1_000),
    completed_by: text(MAX_NAME_LENGTH),
    completion_data: z.object({
      result: z.unknown().refine((value) => value !== undefined, "completion_data.result is required"),
      metadata: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);
export type StepActionRequest = z.infer<typeof StepActionSchema>;

/** Ends a blocked task as a whole: `give_up` (→ error) or `resolve_manually` (→ resolved_manually). */
export const TaskActionSchema = z.object({
  action_type: z.enum(["give_up", "resolve_manually"]),
  reason: text(1_000),
  performed_by: text(MAX_NAME_LENGTH),
});
