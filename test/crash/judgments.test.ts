import { describe, expect, it } from "vitest";
import { readRecoveryTimers, settleBound } from "./bound.ts";
import { checkTasks, verdictOf } from "./checks.ts";
import type { StepRecord, TaskRecord, Transition } from "./objects.ts";
import { families, type IndexRow, isQuiescent } from "./settle.ts";

const T0 = Date.parse("2026-11-29T12:00:00Z");

function move(to: string, atMs: number, metadata: Record<string, unknown> = {}): Transition {
  return { from_state: null, to_state: to, event: "e", recorded_at: new Date(T0 + atMs).toISOString(), metadata };
}

function step(name: string, fields: Partial<StepRecord> = {}): StepRecord {
  return {
    step_uuid: `${name}-uuid`,
    name,
    type: "standard",
    callable: "NoopHandler",
    current_state: "complete",
    dependencies: [],
    attempts: 1,
    max_attempts: 3,
    child_task_uuid: null,
    audit: [move("enqueued", 0), move("in_progress", 1), move("complete", 2)],
    ...fields,
  };
}

function task(uuid: string, status: string, steps: StepRecord[]): TaskRecord {
  return {
    task_uuid: uuid,
    name: "t",
    namespace: "crash",
    status,
    created_at: new Date(T0).toISOString(),
    parent_task_uuid: null,
    child_tasks: [],
    transitions: [move(status, 10)],
    steps,
  };
}

function row(uuid: string, status: string, correlation: string, parent: string | null = null): IndexRow {
  return {
    task_uuid: uuid,
    name: "t",
    namespace: "crash",
    status,
    source_system: "crash-test",
    correlation_id: correlation,
    parent_correlation_id: parent,
    total_steps: 1,
    created_at: new Date(T0).toISOString(),
    updated_at: new Date(T0).toISOString(),
  };
}

const byUuid = (...tasks: TaskRecord[]) => new Map(tasks.map((t) => [t.task_uuid, t]));
const indexOf = (...tasks: TaskRecord[]) => new Map(tasks.map((t) => [t.task_uuid, row(t.task_uuid, t.status, t.task_uuid)]));

describe("crash test verdicts", () => {
  it("calls a task with enqueued steps and nothing moving them stranded", () => {
    const stuck = task("a", "steps_in_process", [
      step("s", { current_state: "enqueued", attempts: 0, audit: [move("enqueued", 0)] }),
    ]);
    expect(verdictOf(stuck, byUuid(stuck))).toBe("stranded");
  });

  it("lets a parent wait on a blocked child, and blames a stranded child rather than its parent", () => {
    const waiting = (child: string) =>
      task("p", "steps_in_process", [
        step("ship", { current_state: "in_progress", child_task_uuid: child }),
        step("notify", { current_state: "pending", dependencies: ["ship"], audit: [] }),
      ]);
    const blocked = task("c1", "blocked_by_failures", []);
    const stuck = task("c2", "steps_in_process", [step("s", { current_state: "enqueued", attempts: 0 })]);
    expect(verdictOf(waiting("c1"), byUuid(waiting("c1"), blocked))).toBe("waits_on_blocked_child");
    expect(verdictOf(waiting("c2"), byUuid(waiting("c2"), stuck))).toBe("held_by_stranded_child");
  });

  it("calls a parent stranded when its child finished but the notice never arrived", () => {
    const parent = task("p", "steps_in_process", [step("ship", { current_state: "in_progress", child_task_uuid: "c" })]);
    expect(verdictOf(parent, byUuid(parent, task("c", "complete", [])))).toBe("stranded");
    expect(verdictOf(parent, byUuid(parent))).toBe("stranded");
  });
});

describe("crash test checks", () => {
  it("passes a task whose steps ran in order, once each", () => {
    const ok = task("a", "complete", [
      step("first"),
      step("second", { dependencies: ["first"], audit: [move("enqueued", 2), move("in_progress", 3), move("complete", 4)] }),
    ]);
    expect(checkTasks(byUuid(ok), indexOf(ok))).toEqual([]);
  });

  it("reports a step dispatched before its parent finished, a second completion, and too many attempts", () => {
    const bad = task("a", "complete", [
      step("first", { attempts: 4, audit: [move("enqueued", 0), move("complete", 5), move("complete", 6)] }),
      step("second", { dependencies: ["first"], audit: [move("enqueued", 3), move("complete", 7)] }),
    ]);
    const checks = checkTasks(byUuid(bad), indexOf(bad)).map((v) => v.check);
    expect(checks.sort()).toEqual(["attempts_within_max", "one_completion", "parents_before_start"]);
  });

  it("accepts a blocked task only where a lost attempt used up the step's attempts", () => {
    const failed = (code: string, attempts: number) =>
      step("s", {
        current_state: "error",
        attempts,
        max_attempts: 2,
        audit: [move("enqueued_as_error_for_orchestration", 1, { error_code: code })],
      });
    const lost = task("a", "blocked_by_failures", [failed("timeout", 2)]);
    const refused = task("b", "blocked_by_failures", [failed("invalid_input", 2)]);
    const early = task("c", "blocked_by_failures", [failed("timeout", 1)]);
    const checks = checkTasks(byUuid(lost, refused, early), indexOf(lost, refused, early));
    expect(checks.map((v) => [v.task_uuid, v.check])).toEqual([
      ["b", "blocked_only_by_lost_attempts"],
      ["c", "blocked_only_by_lost_attempts"],
    ]);
  });

  it("reports a task the index lacks or shows in another state", () => {
    const a = task("a", "complete", []);
    const b = task("b", "complete", []);
    const index = new Map([["b", row("b", "steps_in_process", "b")]]);
    expect(checkTasks(byUuid(a, b), index).map((v) => [v.task_uuid, v.check])).toEqual([
      ["a", "index_agrees"],
      ["b", "index_agrees"],
    ]);
  });
});

describe("crash test settling (from the index only)", () => {
  it("waits for a family's children, and accepts a root held by a blocked child", () => {
    const index = new Map([
      ["r", row("r", "steps_in_process", "corr")],
      ["c", row("c", "steps_in_process", "corr", "corr")],
    ]);
    const [family] = families(["r"], index);
    expect(family && isQuiescent(family)).toBe(false);
    index.set("c", row("c", "blocked_by_failures", "corr", "corr"));
    const [settled] = families(["r"], index);
    expect(settled && isQuiescent(settled)).toBe(true);
  });

  it("never counts a task missing from the index as settled", () => {
    const [family] = families(["r"], new Map());
    expect(family && isQuiescent(family)).toBe(false);
  });
});

describe("crash test settle bound", () => {
  it("reads the engine's recovery timers from its source", () => {
    const timers = readRecoveryTimers();
    for (const value of Object.values(timers)) expect(value).toBeGreaterThan(0);
  });

  it("is the longest single loss, the retry delays of the outbox and the index, and the work allowance", () => {
    const timers = {
      CLAIM_TIMEOUT_MS: 20_000,
      CLAIM_RESEND_INTERVAL_MS: 60_000,
      EAGER_CLAIM_TIMEOUT_MS: 10_000,
      DEADLINE_GRACE_MS: 5_000,
      OUTBOX_FLUSH_DELAY_MS: 5_000,
      INDEX_RETRY_BASE_MS: 5_000,
    };
    const steps = [{ name: "s", timeout_seconds: 30, retry: { max_backoff_ms: 30_000 } }];
    expect(settleBound(timers, steps).ms).toBe(65_000 + 5_000 + 5_000 + 60_000);
    expect(settleBound(timers, []).ms).toBe(60_000 + 5_000 + 5_000 + 60_000);
  });
});
