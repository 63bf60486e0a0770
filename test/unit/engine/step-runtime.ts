// A step as the engine holds it, for the engine's unit tests: pending, linked to its parents and children, linear retries.
import type { StepRuntime } from "../../../src/engine/task-run";
import type { RetrySettings } from "../../../src/templates/types";

export const LINEAR_RETRY: RetrySettings = {
  retryable: true,
  max_attempts: 3,
  backoff: "linear",
  backoff_base_ms: 1000,
  max_backoff_ms: 10_000,
};

export function stepRuntime(uuid: string, parents: string[], children: string[], fields: Partial<StepRuntime> = {}): StepRuntime {
  return {
    uuid,
    name: uuid,
    state: "pending",
    attempts: 0,
    retry: LINEAR_RETRY,
    timeoutMs: 30_000,
    parents,
    children,
    remainingParents: parents.length,
    dispatchId: null,
    nextRetryAt: null,
    ...fields,
  };
}
