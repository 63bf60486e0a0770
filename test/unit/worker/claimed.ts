// Test fixture: a ClaimedStep as the task object returns it, with overridable parts.
import type { ClaimedStep } from "../../../src/engine/protocol";
import { StepContext } from "../../../src/worker";

export interface ClaimedOverrides {
  task?: Partial<ClaimedStep["task"]>;
  step?: Partial<ClaimedStep["step"]>;
  dependency_results?: Record<string, unknown>;
}

export function claimedStep(overrides: ClaimedOverrides = {}): ClaimedStep {
  return {
    task: {
      task_uuid: "0193a0c4-1111-7000-8000-000000000001",
      namespace: "ecommerce",
      name: "order_fulfillment",
      version: "1.0.0",
      correlation_id: "corr-1",
      context: {},
      ...overrides.task,
    },
    step: {
      step_uuid: "0193a0c4-2222-7000-8000-000000000002",
      name: "validate_order",
      type: "standard",
      callable: "OrderValidationHandler",
      initialization: {},
      attempt: 1,
      max_attempts: 3,
      timeout_ms: 30_000,
      ...overrides.step,
    },
    dependency_results: overrides.dependency_results ?? {},
  };
}

export function contextFor(overrides: ClaimedOverrides = {}, signal?: AbortSignal): StepContext {
  return new StepContext(claimedStep(overrides), signal);
}
