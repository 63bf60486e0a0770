// Makes a handler's result fit the wire: JSON-serialisable, within MAX_RESULT_BYTES and MAX_NESTING_DEPTH.

import { nestsDeeperThan } from "../engine/nesting";
import { MAX_NESTING_DEPTH, MAX_RESULT_BYTES } from "../shared/limits";
import { StepHandlerResult } from "./step-handler-result";

type JsonForm = { ok: true; value: unknown; bytes: number } | { ok: false; reason: string; tooDeep?: true };

/**
 * Returns the result as the task object will store it (a JSON round trip), or a permanent failure
 * when it cannot be stored. Reporting the round-tripped value also keeps functions, class instances
 * and other values that structured clone rejects away from the RPC call, which would otherwise
 * throw on every redelivery.
 */
export function toReportable(outcome: StepHandlerResult): StepHandlerResult {
  if (!outcome.success) {
    // Failure metadata is a courtesy; a failure must still be reported when its metadata is unusable.
    const metadata = outcome.metadata === undefined ? undefined : jsonForm(outcome.metadata);
    if (metadata === undefined || metadata.ok) return outcome;
    return StepHandlerResult.failure(outcome.errorMessage ?? "handler failed", failureOptionsOf(outcome));
  }

  const result = jsonForm(outcome.result === undefined ? null : outcome.result);
  if ((result.ok && nestsDeeperThan(result.value, MAX_NESTING_DEPTH)) || (!result.ok && result.tooDeep)) {
    return StepHandlerResult.failure(`step result nests objects and arrays more than ${MAX_NESTING_DEPTH} levels deep`, {
      errorCode: "nesting_too_deep",
      errorType: "permanent_error",
      retryable: false,
    });
  }
  if (!result.ok) {
    return StepHandlerResult.failure(`step result is not JSON-serialisable: ${result.reason}`, notSerialisable);
  }
  if (result.bytes > MAX_RESULT_BYTES) {
    return StepHandlerResult.failure(`step result is ${result.bytes} bytes; the limit is ${MAX_RESULT_BYTES} bytes`, {
      errorCode: "result_too_large",
      errorType: "permanent_error",
      retryable: false,
    });
  }
  if (outcome.metadata === undefined) return StepHandlerResult.success(result.value);
  const metadata = jsonForm(outcome.metadata);
  if (!metadata.ok) {
    return StepHandlerResult.failure(`step metadata is not JSON-serialisable: ${metadata.reason}`, notSerialisable);
  }
  return StepHandlerResult.success(result.value, metadata.value as Record<string, unknown>);
}

const notSerialisable = { errorCode: "result_not_serializable", errorType: "permanent_error", retryable: false } as const;

function jsonForm(value: unknown): JsonForm {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    // A stack overflow means nesting far past the limit; its text is the runtime's, not a reason to show.
    if (error instanceof RangeError) return { ok: false, reason: "it nests too deeply", tooDeep: true };
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (text === undefined) return { ok: false, reason: `a ${typeof value} has no JSON form` };
  return { ok: true, value: JSON.parse(text), bytes: new TextEncoder().encode(text).byteLength };
}

function failureOptionsOf(outcome: StepHandlerResult) {
  return {
    ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
    ...(outcome.errorType === undefined ? {} : { errorType: outcome.errorType }),
    retryable: outcome.retryable,
    ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
  };
}
