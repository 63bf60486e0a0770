import { describe, expect, it } from "vitest";
import { type Changes, type StepRuntime, TaskRun, type WaitStart } from "../../../src/engine/task-run";
import type { WaitConfig } from "../../../src/shared/wait-config";
import { LINEAR_RETRY, stepRuntime } from "./step-runtime";

const EVENT_WAIT: WaitConfig = {
  kind: "wait_for_event",
  event: "decision",
  match: {},
  timeout: { literal: "1h" },
  onTimeout: "fail",
  timeoutResult: { timed_out: true },
};

function step(uuid: string, parents: string[], children: string[], fields: Partial<StepRuntime> = {}): StepRuntime {
  return stepRuntime(uuid, parents, children, { retry: { ...LINEAR_RETRY, max_attempts: 1 }, ...fields });
}

/** wait → after: the wait resolves through `waitStart`, as the object would. */
function waitRun(
  waitStart: (step: StepRuntime) => WaitStart,
  wait: Partial<StepRuntime> = { runsAs: "event_wait", wait: EVENT_WAIT },
) {
  let id = 0;
  return new TaskRun("t", "pending", [step("wait", [], ["after"], wait), step("after", ["wait"], [])], {
    now: () => 1_000,
    newId: () => `d${++id}`,
    random: () => 0,
    waitStart,
  });
}

const eventPlan = (timeoutAt: number | null = 3_601_000): WaitStart => ({
  ok: true,
  plan: { kind: "event", event: "decision", match: {}, timeoutAt, onTimeout: "fail", timeoutResult: null },
  buffered: null,
});

describe("TaskRun with waits", () => {
  it("starts a wait in_progress with its timer and no message", () => {
    const run = waitRun(() => eventPlan());
    const started = run.start();
    expect(started.dispatches).toEqual([]);
    expect(run.steps.get("wait")?.state).toBe("in_progress");
    expect(started.timersArmed).toEqual([{ kind: "event_timeout", stepUuid: "wait", dispatchId: "d1", dueAt: 3_601_000 }]);
    expect(started.waitsStarted).toHaveLength(1);
    expect(run.state).toBe("steps_in_process");
  });

  it("an event completes the wait once; the same event again, or for a stale dispatch, is refused", () => {
    const run = waitRun(() => eventPlan());
    run.start();
    expect(run.receiveEvent("wait", "stale", { eventId: "e1", name: "decision", payload: {} })).toEqual({
      refused: "stale_dispatch",
    });
    const taken = run.receiveEvent("wait", "d1", { eventId: "e1", name: "decision", payload: { ok: true } }) as Changes;
    expect(taken.results.get("wait")).toEqual({ ok: true });
    expect(taken.dispatches.map((d) => d.stepUuid)).toEqual(["after"]);
    expect(run.receiveEvent("wait", "d1", { eventId: "e2", name: "decision", payload: {} })).toEqual({
      refused: "stale_dispatch",
    });
    expect(run.fireTimer({ kind: "event_timeout", stepUuid: "wait", dispatchId: "d1", dueAt: 3_601_000 })).toEqual({
      refused: "stale_dispatch",
    });
  });

  it("a timeout fails the wait for good and blocks the task; an event afterwards is refused", () => {
    const run = waitRun(() => eventPlan());
    run.start();
    const timedOut = run.fireTimer({ kind: "event_timeout", stepUuid: "wait", dispatchId: "d1", dueAt: 3_601_000 }) as Changes;
    expect(timedOut.errors.get("wait")).toMatchObject({ error_code: "event_timeout", retryable: false });
    expect(run.state).toBe("blocked_by_failures");
    expect(run.receiveEvent("wait", "d1", { eventId: "e1", name: "decision", payload: {} })).toEqual({
      refused: "stale_dispatch",
    });
  });

  it("a kept event completes the wait as it starts, and arms no timeout", () => {
    const run = waitRun(() => ({ ...eventPlan(), buffered: { eventId: "early", name: "decision", payload: { early: true } } }));
    const started = run.start();
    expect(run.steps.get("wait")?.state).toBe("complete");
    expect(started.results.get("wait")).toEqual({ early: true });
    expect(started.eventsConsumed.get("early")).toBe("wait");
    expect(started.timersArmed.filter((t) => t.stepUuid === "wait")).toEqual([]);
    expect(started.dispatches.map((d) => d.stepUuid)).toEqual(["after"]);
  });

  it("a wait that cannot start fails with invalid_wait after the dispatch round, and the task blocks", () => {
    const run = waitRun(() => ({ ok: false, message: "until context.x is not an instant" }));
    const started = run.start();
    expect(started.errors.get("wait")).toMatchObject({
      error_code: "invalid_wait",
      message: "until context.x is not an instant",
    });
    expect(run.state).toBe("blocked_by_failures");
  });

  it("a sleep wakes when its timer fires, once", () => {
    const run = waitRun(() => ({ ok: true, plan: { kind: "sleep", wakeAt: 5_000 }, buffered: null }), { runsAs: "sleep" });
    run.start();
    const timer = { kind: "sleep_wake" as const, stepUuid: "wait", dispatchId: "d1", dueAt: 5_000 };
    const woke = run.fireTimer(timer) as Changes;
    expect(woke.results.get("wait")).toEqual({ woke_at: new Date(1_000).toISOString() });
    expect(run.fireTimer(timer)).toEqual({ refused: "stale_dispatch" });
  });
});
