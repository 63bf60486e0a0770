// The wire contract between a task object and the handler Workers: queue message, claim, report.

import { isRecord } from "../shared/values";
import type { BatchWorkerInputs } from "./dynamic-steps";
import {
  isPlainRecord,
  type Reader,
  readBoolean,
  readCount,
  readOptional,
  readString,
  type WireIssue,
  wireSchema,
} from "./wire-check";

/** A queue message: identifiers only, so messages stay far below the 128 KB limit. */
export interface StepMessage {
  task_uuid: string;
  step_uuid: string;
  attempt: number;
  dispatch_id: string;
}

/** Checks a queue message body (unknown keys are dropped). */
export const StepMessageSchema = wireSchema<StepMessage>((value, path, issues) => {
  if (!isRecord(value)) return refuse(path, issues);
  return {
    task_uuid: readString(value.task_uuid, [...path, "task_uuid"], issues, 1),
    step_uuid: readString(value.step_uuid, [...path, "step_uuid"], issues, 1),
    attempt: readCount(value.attempt, [...path, "attempt"], issues, true),
    dispatch_id: readString(value.dispatch_id, [...path, "dispatch_id"], issues, 1),
  };
});

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

/** What a handler reports when it failed. */
export interface StepFailure {
  message: string;
  error_code?: string | undefined;
  error_type?: string | undefined;
  retryable: boolean;
  retry_after_ms?: number | undefined;
}

/** A handler's outcome as reported to the object. */
export type StepOutcome = ({ success: true; result: unknown } | { success: false; error: StepFailure }) & {
  metadata?: Record<string, unknown> | undefined;
  execution_time_ms?: number | undefined;
};

const readMetadata: Reader<Record<string, unknown>> = (value, path, issues) => {
  if (!isPlainRecord(value)) issues.push({ path, code: "invalid_type", message: "expected an object" });
  return value as Record<string, unknown>;
};

const readFailure: Reader<StepFailure> = (value, path, issues) => {
  if (!isRecord(value)) return refuse(path, issues);
  const failure: Record<string, unknown> = {
    message: readString(value.message, [...path, "message"], issues),
    retryable: readBoolean(value.retryable, [...path, "retryable"], issues),
  };
  readOptional(value, "error_code", failure, path, issues, readString);
  readOptional(value, "error_type", failure, path, issues, readString);
  readOptional(value, "retry_after_ms", failure, path, issues, (v, p, i) => readCount(v, p, i, true));
  return failure as unknown as StepFailure;
};

/** Checks a reported outcome: a success carries `result` (which may be undefined), a failure an `error`. */
export const StepOutcomeSchema = wireSchema<StepOutcome>((value, path, issues) => {
  if (!isRecord(value)) return refuse(path, issues);
  let outcome: Record<string, unknown>;
  if (value.success === true) {
    if (!("result" in value)) issues.push({ path: [...path, "result"], code: "invalid_type", message: "expected a result" });
    outcome = { success: true, result: value.result };
  } else if (value.success === false) {
    outcome = { success: false, error: readFailure(value.error, [...path, "error"], issues) };
  } else {
    issues.push({ path: [...path, "success"], code: "invalid_value", message: "expected true or false" });
    return value as unknown as StepOutcome;
  }
  readOptional(value, "metadata", outcome, path, issues, readMetadata);
  readOptional(value, "execution_time_ms", outcome, path, issues, (v, p, i) => readCount(v, p, i, false));
  return outcome as unknown as StepOutcome;
});

function refuse<T>(path: (string | number)[], issues: WireIssue[]): T {
  issues.push({ path, code: "invalid_type", message: "expected an object" });
  return undefined as T;
}

/** What a reporter offers besides the outcome. */
export interface ReportOptions {
  /** How many of the steps this report makes ready the reporter will claim and run at once (default 0). */
  eager_limit?: number;
  /**
   * Claim those steps in the same transaction and hand them back ready to run (`claimed`), instead
   * of as messages to claim (`eager`): one RPC per step on the eager path. A reporter that drops the
   * answer leaves each one a claimed attempt that its deadline recovers.
   */
  claim_eager?: boolean;
}

export { MAX_EAGER_LIMIT } from "../shared/limits";

/** The answer to `report(...)`: whether the object accepted it or ignored it as stale. */
export interface ReportReceipt {
  accepted: boolean;
  step_state: string;
  /** Steps dispatched to the reporter itself (not queued): claim them now, or they are queued shortly. */
  eager?: StepMessage[];
  /** With `claim_eager`: steps dispatched to the reporter and already claimed for it: run them, then report. */
  claimed?: HandedStep[];
}

/** An eager step claimed for its caller in the RPC that handed it over: its ids and its claim. */
export interface HandedStep extends StepMessage {
  claimed: ClaimedStep;
}

/** One dispatch to claim in a `claimMany` call. */
export interface ClaimRequest {
  step_uuid: string;
  dispatch_id: string;
}

/** Most dispatches one `claimMany` or `reportMany` call may carry: a queue batch's most messages. */
export const MAX_CLAIMS_PER_CALL = 100;

/** One report in a `reportMany` call: what `report(step_uuid, dispatch_id, outcome, options)` would take. */
export interface ReportItem {
  step_uuid: string;
  dispatch_id: string;
  outcome: StepOutcome;
  options?: ReportOptions;
}

/** The RPC surface a handler Worker calls on the task object. */
export interface TaskObjectRpc {
  claim(stepUuid: string, dispatchId: string): Promise<ClaimedStep | null>;
  /**
   * Claims several of the task's dispatches in one transaction (a queue batch's messages for this
   * task): per item in order, its claim, or null where `claim` would answer null.
   */
  claimMany(items: readonly ClaimRequest[]): Promise<(ClaimedStep | null)[]>;
  report(stepUuid: string, dispatchId: string, outcome: StepOutcome, options?: ReportOptions): Promise<ReportReceipt>;
  /**
   * Several reports to one task in one transaction (reports that became ready while another report
   * to the task was in flight): per item in order, the receipt `report` would give.
   */
  reportMany(items: readonly ReportItem[]): Promise<ReportReceipt[]>;
}
