// The wire contract between a task object and the handler Workers: queue message, claim, report.
import { z } from "zod";
import type { BatchWorkerInputs } from "./dynamic-steps";

/** A queue message: identifiers only, so messages stay far below the 128 KB limit. */
export const StepMessageSchema = z.object({
  task_uuid: z.string().min(1),
  step_uuid: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  dispatch_id: z.string().min(1),
});
export type StepMessage = z.infer<typeof StepMessageSchema>;

/** What a successful `claim(step_uuid, dispatch_id)` returns: everything a handler may read. */
export interface ClaimedStep {
  task: {
    task_uuid: string;
    namespace: string;
    name: string;
    version: string;
    correlation_id: string;
    context: Record<string, unknown>;
  };
  step: {
    step_uuid: string;
    name: string;
    type: string;
    callable: string;
    /** `handler.initialization` from the template (the handler's configuration). */
    initialization: Record<string, unknown>;
    /** 1-based number of this attempt (the claim incremented it). */
    attempt: number;
    max_attempts: number;
    /** The handler must finish within this many milliseconds. */
    timeout_ms: number;
    /** A batch worker's cursor and batch metadata (absent for other steps). */
    inputs?: BatchWorkerInputs;
  };
  /** Results of every completed ancestor, keyed by step name. */
  dependency_results: Record<string, unknown>;
  /** Parents that failed but were tolerated (a continue_on_failure batch), keyed by step name; absent when none. */
  failed_dependencies?: Record<string, FailedDependency>;
}

export interface FailedDependency {
  error_code: string;
  message: string;
}

/** A handler's outcome as reported to the object. */
export const StepOutcomeSchema = z.discriminatedUnion("success", [
  z.object({
    success: z.literal(true),
    result: z.unknown(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    execution_time_ms: z.number().nonnegative().optional(),
  }),
  z.object({
    success: z.literal(false),
    error: z.object({
      message: z.string(),
      error_code: z.string().optional(),
      error_type: z.string().optional(),
      retryable: z.boolean(),
      retry_after_ms: z.number().int().nonnegative().optional(),
    }),
    metadata: z.record(z.string(), z.unknown()).optional(),
    execution_time_ms: z.number().nonnegative().optional(),
  }),
]);
export type StepOutcome = z.infer<typeof StepOutcomeSchema>;

/** What a reporter offers besides the outcome. */
export interface ReportOptions {
  /** How many of the steps this report makes ready the reporter will claim and run at once (default 0). */
  eager_limit?: number;
}

/** Most eager dispatches one report may ask for: larger fan-outs go through the queue. */
export const MAX_EAGER_LIMIT = 16;

/** The answer to `report(...)`: whether the object accepted it or ignored it as stale. */
export interface ReportReceipt {
  accepted: boolean;
  step_state: string;
  /** Steps dispatched to the reporter itself (not queued): claim them now, or they are queued shortly. */
  eager?: StepMessage[];
}

/** The RPC surface a handler Worker calls on the task object. */
export interface TaskObjectRpc {
  claim(stepUuid: string, dispatchId: string): Promise<ClaimedStep | null>;
  report(stepUuid: string, dispatchId: string, outcome: StepOutcome, options?: ReportOptions): Promise<ReportReceipt>;
}
