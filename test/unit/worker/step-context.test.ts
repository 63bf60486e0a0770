import { describe, expect, it } from "vitest";
import { StepContext } from "../../../src/worker";
import { claimedStep, contextFor } from "./claimed";

describe("StepContext", () => {
  it("exposes the claim's identifiers, attempt info and an idempotency key of task, step and attempt", () => {
    const context = contextFor({
      step: { name: "charge_payment", attempt: 2, max_attempts: 3 },
      task: { correlation_id: "c-9" },
    });
    expect(context).toMatchObject({
      taskUuid: "0193a0c4-1111-7000-8000-000000000001",
      stepUuid: "0193a0c4-2222-7000-8000-000000000002",
      stepName: "charge_payment",
      namespace: "ecommerce",
      correlationId: "c-9",
      attempt: 2,
      maxAttempts: 3,
      idempotencyKey: "0193a0c4-1111-7000-8000-000000000001:charge_payment:2",
    });
  });

  it("reads the task context with getInput and getInputOr", () => {
    const context = contextFor({ task: { context: { order_id: "ORD-1", note: null } } });
    expect(context.inputData).toEqual({ order_id: "ORD-1", note: null });
    expect(context.getInput<string>("order_id")).toBe("ORD-1");
    expect(context.getInput("missing")).toBeUndefined();
    expect(context.getInputOr("missing", "fallback")).toBe("fallback");
    expect(context.getInputOr("note", "fallback")).toBeNull();
  });

  it("never reads inherited properties as inputs, config or dependencies", () => {
    const context = contextFor();
    expect(context.getInput("toString")).toBeUndefined();
    expect(context.getConfig("constructor")).toBeUndefined();
    expect(context.getDependencyResult("hasOwnProperty")).toBeUndefined();
  });

  it("reads handler initialization with getConfig", () => {
    const context = contextFor({ step: { initialization: { base_url: "https://x.test" } } });
    expect(context.stepConfig).toEqual({ base_url: "https://x.test" });
    expect(context.getConfig<string>("base_url")).toBe("https://x.test");
    expect(context.getConfig("other")).toBeUndefined();
  });

  it("returns a dependency's result, or undefined when the step is not an ancestor", () => {
    const context = contextFor({ dependency_results: { validate_order: { order_total: 10 } } });
    expect(context.getDependencyResult("validate_order")).toEqual({ order_total: 10 });
    expect(context.getDependencyResult("reserve_inventory")).toBeUndefined();
  });

  it("collects the results of steps sharing a prefix, ordered by step name", () => {
    const context = contextFor({
      dependency_results: { batch_002: "b", analyze: "x", batch_010: "c", batch_001: "a" },
    });
    expect(context.getAllDependencyResults("batch_")).toEqual(["a", "b", "c"]);
    expect(context.getAllDependencyResults("none_")).toEqual([]);
  });

  it("knows a first attempt, a retry and the last retry", () => {
    const first = contextFor({ step: { attempt: 1, max_attempts: 3 } });
    const second = contextFor({ step: { attempt: 2, max_attempts: 3 } });
    const last = contextFor({ step: { attempt: 3, max_attempts: 3 } });
    expect([first.isRetry(), first.isLastRetry()]).toEqual([false, false]);
    expect([second.isRetry(), second.isLastRetry()]).toEqual([true, false]);
    expect([last.isRetry(), last.isLastRetry()]).toEqual([true, true]);
    expect(contextFor({ step: { attempt: 1, max_attempts: 1 } }).isLastRetry()).toBe(true);
  });

  it("carries the signal it was built with, and a never-aborting one by default", () => {
    const controller = new AbortController();
    const context = new StepContext(claimedStep(), controller.signal);
    expect(context.signal.aborted).toBe(false);
    controller.abort();
    expect(context.signal.aborted).toBe(true);
    expect(contextFor().signal.aborted).toBe(false);
  });
});
