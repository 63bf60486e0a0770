import { describe, expect, it } from "vitest";
import { STEP_STATES, TASK_STATES, TERMINAL_TASK_STATES } from "../../../src/engine/states";
import {
  canTransitionStep,
  IllegalTransitionError,
  nextStepState,
  nextTaskState,
  STEP_TRANSITIONS,
  TASK_TRANSITIONS,
} from "../../../src/engine/transitions";

describe("task state machine", () => {
  it("has all 12 states and reaches every one of them", () => {
    expect(TASK_STATES).toHaveLength(12);
    const reachable = new Set(TASK_TRANSITIONS.map((row) => row.to));
    for (const state of TASK_STATES.filter((s) => s !== "pending")) expect(reachable).toContain(state);
  });

  it("follows the happy path pending → … → complete", () => {
    let state = nextTaskState("pending", "start");
    state = nextTaskState(state, "ready_steps_found");
    state = nextTaskState(state, "steps_enqueued");
    state = nextTaskState(state, "step_completed");
    expect(nextTaskState(state, "all_steps_successful")).toBe("complete");
  });

  it("never leaves a terminal state", () => {
    for (const row of TASK_TRANSITIONS) for (const from of row.from) expect(TERMINAL_TASK_STATES.has(from)).toBe(false);
  });

  it("can cancel from every non-terminal state", () => {
    for (const state of TASK_STATES.filter((s) => !TERMINAL_TASK_STATES.has(s))) {
      expect(nextTaskState(state, "cancel")).toBe("cancelled");
    }
  });

  it("lets a blocked task resume, give up, or be resolved", () => {
    expect(nextTaskState("blocked_by_failures", "resume")).toBe("evaluating_results");
    expect(nextTaskState("blocked_by_failures", "give_up")).toBe("error");
    expect(nextTaskState("blocked_by_failures", "manual_resolution")).toBe("resolved_manually");
  });

  it("throws a coded error on an illegal transition", () => {
    expect(() => nextTaskState("complete", "start")).toThrow(IllegalTransitionError);
    try {
      nextTaskState("pending", "all_steps_successful");
    } catch (error) {
      expect((error as IllegalTransitionError).code).toBe("illegal_transition");
    }
  });
});

describe("step state machine", () => {
  it("has all 10 states and reaches every one of them", () => {
    expect(STEP_STATES).toHaveLength(10);
    const reachable = new Set(STEP_TRANSITIONS.map((row) => row.to));
    for (const state of STEP_STATES) expect(reachable).toContain(state);
  });

  it("follows the worker-to-orchestration handoff", () => {
    const path = ["enqueue", "start", "enqueue_for_orchestration", "complete"] as const;
    expect(path.reduce((state, event) => nextStepState(state, event), "pending" as (typeof STEP_STATES)[number])).toBe(
      "complete",
    );
  });

  it("retries through waiting_for_retry back to pending", () => {
    expect(nextStepState("enqueued_as_error_for_orchestration", "wait_for_retry")).toBe("waiting_for_retry");
    expect(nextStepState("waiting_for_retry", "retry")).toBe("pending");
  });

  it("refuses operator actions on a completed or cancelled step", () => {
    for (const event of ["resolve_manually", "complete_manually", "cancel", "reset_for_retry"] as const) {
      expect(canTransitionStep("complete", event)).toBe(false);
      expect(canTransitionStep("cancelled", event)).toBe(false);
    }
  });

  it("resets only an errored step", () => {
    for (const state of STEP_STATES) expect(canTransitionStep(state, "reset_for_retry")).toBe(state === "error");
  });
});
