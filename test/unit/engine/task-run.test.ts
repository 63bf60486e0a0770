import { describe, expect, it } from "vitest";
import {
  CLAIM_RESEND_INTERVAL_MS,
  CLAIM_TIMEOUT_MS,
  DEADLINE_GRACE_MS,
  EAGER_CLAIM_TIMEOUT_MS,
  firstClaimTimeoutMs,
  type StepRuntime,
  TaskRun,
} from "../../../src/engine/task-run";
import { MAX_NESTING_DEPTH } from "../../../src/shared/limits";
import { LINEAR_RETRY, stepRuntime } from "./step-runtime";

function step(uuid: string, parents: string[], children: string[], maxAttempts = 3): StepRuntime {
  return stepRuntime(uuid, parents, children, { retry: { ...LINEAR_RETRY, max_attempts: maxAttempts } });
}

/** a → (b, c): the seed's shape. */
function seedRun(clock = { now: 0 }) {
  let id = 0;
  const run = new TaskRun("t", "pending", [step("a", [], ["b", "c"]), step("b", ["a"], []), step("c", ["a"], [])], {
    now: () => clock.now,
    newId: () => `d${++id}`,
    random: () => 0,
  });
  return { run, clock };
}

function claimAndReport(run: TaskRun, uuid: string, success: boolean, retryable = true) {
  const dispatchId = run.steps.get(uuid)?.dispatchId ?? "";
  run.claim(uuid, dispatchId);
  return run.report(
    uuid,
    dispatchId,
    success ? { success: true, result: { uuid } } : { success: false, error: { message: "no", error_code: "x", retryable } },
  );
}

describe("TaskRun", () => {
  it("dispatches roots on start and children when their last parent completes", () => {
    const { run } = seedRun();
    expect(run.start().dispatches.map((d) => d.stepUuid)).toEqual(["a"]);
    expect(run.state).toBe("steps_in_process");
    const changes = claimAndReport(run, "a", true);
    expect("refused" in changes).toBe(false);
    if ("refused" in changes) return;
    expect(changes.dispatches.map((d) => d.stepUuid).sort()).toEqual(["b", "c"]);
    expect(changes.results.get("a")).toEqual({ uuid: "a" });
  });

  it("arms a deadline on claim and a retry timer at the linear backoff on a retryable failure", () => {
    const { run, clock } = seedRun({ now: 1_000 });
    run.start();
    const claim = run.claim("a", "d1");
    expect("changes" in claim && claim.changes.timersArmed).toEqual([
      { kind: "deadline", stepUuid: "a", dispatchId: "d1", dueAt: 36_000 },
    ]);
    clock.now = 2_000;
    const failure = run.report("a", "d1", { success: false, error: { message: "down", retryable: true } });
    if ("refused" in failure) throw new Error("refused");
    expect(failure.timersArmed).toEqual([{ kind: "retry", stepUuid: "a", dispatchId: "d1", dueAt: 3_000 }]);
    expect(run.state).toBe("waiting_for_retry");
    const retried = run.fireTimer({ kind: "retry", stepUuid: "a", dispatchId: "d1", dueAt: 3_000 });
    if ("refused" in retried) throw new Error("refused");
    expect(retried.dispatches).toEqual([{ stepUuid: "a", dispatchId: "d2", attempt: 2, eager: false }]);
    expect(run.state).toBe("steps_in_process");
  });

  it("blocks the task on a permanent failure, letting in-flight siblings finish but starting nothing", () => {
    const { run } = seedRun();
    run.start();
    claimAndReport(run, "a", true);
    claimAndReport(run, "b", false, false);
    expect(run.state).toBe("blocked_by_failures");
    expect(run.steps.get("b")?.state).toBe("error");
    const sibling = claimAndReport(run, "c", true);
    expect("refused" in sibling).toBe(false);
    expect(run.steps.get("c")?.state).toBe("complete");
    expect(run.state).toBe("blocked_by_failures");
  });

  it("refuses stale reports and duplicate claims", () => {
    const { run } = seedRun();
    run.start();
    expect(run.claim("a", "wrong")).toEqual({ refused: "stale_dispatch" });
    run.claim("a", "d1");
    expect(run.claim("a", "d1")).toEqual({ refused: "stale_dispatch" });
    expect(run.report("zzz", "d1", { success: true, result: 1 })).toEqual({ refused: "unknown_step" });
    run.report("a", "d1", { success: true, result: 1 });
    expect(run.report("a", "d1", { success: true, result: 2 })).toEqual({ refused: "stale_dispatch" });
  });

  it("re-sends an unclaimed dispatch with the same id when its claim timeout passes", () => {
    const { run, clock } = seedRun();
    const started = run.start();
    // The first re-send comes soon (a crash lost the message); later ones are spaced out (a backlog).
    const firstTimeout = firstClaimTimeoutMs(1);
    expect(started.timersArmed).toContainEqual({ kind: "claim_timeout", stepUuid: "a", dispatchId: "d1", dueAt: firstTimeout });
    clock.now = firstTimeout;
    const resend = run.fireTimer({ kind: "claim_timeout", stepUuid: "a", dispatchId: "d1", dueAt: firstTimeout });
    if ("refused" in resend) throw new Error("refused");
    expect(resend.dispatches).toEqual([{ stepUuid: "a", dispatchId: "d1", attempt: 1, eager: false }]);
    expect(resend.timersArmed).toEqual([
      { kind: "claim_timeout", stepUuid: "a", dispatchId: "d1", dueAt: firstTimeout + CLAIM_RESEND_INTERVAL_MS },
    ]);
    run.claim("a", "d1");
    expect(run.fireTimer({ kind: "claim_timeout", stepUuid: "a", dispatchId: "d1", dueAt: 120_000 })).toEqual({
      refused: "stale_dispatch",
    });
  });

  it("gives a dispatch longer before its first re-send the more of the task's dispatches wait unclaimed, up to the re-send interval", () => {
    expect(firstClaimTimeoutMs(1)).toBeLessThan(CLAIM_TIMEOUT_MS + 100);
    expect(firstClaimTimeoutMs(100)).toBeGreaterThan(firstClaimTimeoutMs(1));
    expect(firstClaimTimeoutMs(1_000)).toBe(CLAIM_RESEND_INTERVAL_MS);
    expect(firstClaimTimeoutMs(10_000)).toBe(CLAIM_RESEND_INTERVAL_MS);
  });

  it("cancels every unfinished step with the task, keeping completed ones", () => {
    const { run } = seedRun();
    run.start();
    claimAndReport(run, "a", true);
    const changes = run.cancel({ reason: "operator" });
    expect(changes.taskClosed).toBe(true);
    expect(run.state).toBe("cancelled");
    expect([...run.steps.values()].map((s) => s.state)).toEqual(["complete", "cancelled", "cancelled"]);
    expect(run.claim("b", run.steps.get("b")?.dispatchId ?? "")).toEqual({ refused: "task_finished" });
  });

  it("completes a task with no steps at once", () => {
    const run = new TaskRun("t", "pending", [], { now: () => 0, newId: () => "x", random: () => 0 });
    run.start();
    expect(run.state).toBe("complete");
  });

  it("resumes a blocked task once an operator repaired its only failed step", () => {
    const { run } = seedRun();
    run.start();
    claimAndReport(run, "a", false, false);
    expect(run.state).toBe("blocked_by_failures");
    const repaired = run.applyStepAction("a", {
      action_type: "complete_manually",
      performed_by: "op",
      reason: "fixed",
      result: { ok: 1 },
    });
    if ("refused" in repaired) throw new Error("refused");
    expect(repaired.taskTransitions.map((t) => t.event)).toEqual(["resume", "ready_steps_found", "steps_enqueued"]);
    expect(repaired.dispatches.map((d) => d.stepUuid).sort()).toEqual(["b", "c"]);
    expect(repaired.results.get("a")).toEqual({ ok: 1 });
  });

  it("resets an errored step to pending with zero attempts and dispatches it again", () => {
    const { run } = seedRun();
    run.start();
    claimAndReport(run, "a", false, false);
    const reset = run.applyStepAction("a", { action_type: "reset_for_retry", performed_by: "op", reason: "retry" });
    if ("refused" in reset) throw new Error("refused");
    expect(run.steps.get("a")).toMatchObject({ state: "enqueued", attempts: 0 });
    expect(reset.dispatches).toHaveLength(1);
  });

  it("refuses actions from states where they make no sense, and on a finished task", () => {
    const { run } = seedRun();
    run.start();
    expect(run.applyStepAction("a", { action_type: "reset_for_retry", performed_by: "op", reason: "x" })).toEqual({
      refused: "action_not_allowed",
      state: "enqueued",
    });
    expect(run.applyTaskAction({ action_type: "give_up", performed_by: "op", reason: "x" })).toEqual({
      refused: "action_not_allowed",
    });
    claimAndReport(run, "a", false, false);
    const gaveUp = run.applyTaskAction({ action_type: "give_up", performed_by: "op", reason: "x" });
    expect("refused" in gaveUp).toBe(false);
    expect(run.state).toBe("error");
    expect(run.applyStepAction("a", { action_type: "resolve_manually", performed_by: "op", reason: "x" })).toEqual({
      refused: "task_finished",
    });
  });

  it("keeps a task blocked while another failed step remains", () => {
    const { run } = seedRun();
    run.start();
    claimAndReport(run, "a", true);
    claimAndReport(run, "b", false, false);
    claimAndReport(run, "c", false, false);
    run.applyStepAction("b", { action_type: "resolve_manually", performed_by: "op", reason: "x" });
    expect(run.state).toBe("blocked_by_failures");
    run.applyStepAction("c", { action_type: "resolve_manually", performed_by: "op", reason: "x" });
    expect(run.state).toBe("complete");
  });

  it("fails a dead-lettered dispatch permanently, once", () => {
    const { run } = seedRun();
    run.start();
    const changes = run.deadLetter("a", "d1");
    if ("refused" in changes) throw new Error("refused");
    expect(changes.errors.get("a")).toMatchObject({ error_code: "dead_lettered", retryable: false });
    expect(run.state).toBe("blocked_by_failures");
    expect(run.deadLetter("a", "d1")).toEqual({ refused: "stale_dispatch" });
  });

  it("hands up to eagerLimit newly ready steps to the reporter instead of queueing them", () => {
    const { run } = seedRun();
    run.start();
    run.claim("a", "d1");
    const changes = run.report("a", "d1", { success: true, result: {} }, 1);
    if ("refused" in changes) throw new Error("refused");
    expect(changes.dispatches.map((d) => [d.stepUuid, d.eager])).toEqual([
      ["b", true],
      ["c", false],
    ]);
    const claimTimeouts = changes.timersArmed.map((t) => [t.kind, t.stepUuid, t.dueAt]);
    expect(claimTimeouts).toEqual([
      ["eager_claim_timeout", "b", EAGER_CLAIM_TIMEOUT_MS],
      ["claim_timeout", "c", firstClaimTimeoutMs(2)],
    ]);
    // An eager step nobody claimed is queued when its claim timeout fires, with a first claim timeout
    // (its first trip through the queue), not the longer re-send interval.
    const resend = run.fireTimer({ kind: "eager_claim_timeout", stepUuid: "b", dispatchId: "d2", dueAt: 10_000 });
    if ("refused" in resend) throw new Error("refused");
    expect(resend.dispatches).toEqual([{ stepUuid: "b", dispatchId: "d2", attempt: 1, eager: false }]);
    expect(resend.timersArmed).toEqual([
      { kind: "claim_timeout", stepUuid: "b", dispatchId: "d2", dueAt: resend.at + firstClaimTimeoutMs(2) },
    ]);
  });

  it("claims the eager steps in the same operation when the reporter asks: a deadline, no claim timeout", () => {
    const { run } = seedRun({ now: 1_000 });
    run.start();
    run.claim("a", "d1");
    const changes = run.report("a", "d1", { success: true, result: {} }, { limit: 1, claim: true });
    if ("refused" in changes) throw new Error("refused");
    expect(changes.dispatches).toEqual([
      { stepUuid: "b", dispatchId: "d2", attempt: 1, eager: true, claimed: true },
      { stepUuid: "c", dispatchId: "d3", attempt: 1, eager: false },
    ]);
    expect(changes.timersArmed.map((t) => [t.kind, t.stepUuid, t.dueAt])).toEqual([
      ["deadline", "b", 1_000 + 30_000 + DEADLINE_GRACE_MS],
      ["claim_timeout", "c", 1_000 + firstClaimTimeoutMs(1)],
    ]);
    expect(run.steps.get("b")).toMatchObject({ state: "in_progress", attempts: 1 });
    expect(changes.stepTransitions.filter((t) => t.stepUuid === "b").map((t) => [t.event, t.metadata])).toEqual([
      ["enqueue", { dispatch_id: "d2", eager: true }],
      ["start", { dispatch_id: "d2", attempt: 1, eager: true, handed_by: "report" }],
    ]);
    // Already claimed for the reporter: a claim of its dispatch is stale, its report is the one that counts.
    expect(run.claim("b", "d2")).toEqual({ refused: "stale_dispatch" });
    expect("refused" in run.report("b", "d2", { success: true, result: {} })).toBe(false);
  });

  it("claims several dispatches in one operation, each once, refusing stale items and a paused task", () => {
    const { run } = seedRun({ now: 1_000 });
    run.start();
    claimAndReport(run, "a", true);
    const claimed = run.claimMany([
      { stepUuid: "b", dispatchId: "d2" },
      { stepUuid: "c", dispatchId: "stale" },
      { stepUuid: "b", dispatchId: "d2" },
      { stepUuid: "zz", dispatchId: "d9" },
      { stepUuid: "c", dispatchId: "d3" },
    ]);
    if ("refused" in claimed) throw new Error("refused");
    expect(claimed.claimed).toEqual([true, false, false, false, true]);
    expect(claimed.changes.stepTransitions.map((t) => [t.stepUuid, t.event, t.metadata])).toEqual([
      ["b", "start", { dispatch_id: "d2", attempt: 1 }],
      ["c", "start", { dispatch_id: "d3", attempt: 1 }],
    ]);
    expect(claimed.changes.timersArmed.map((t) => [t.kind, t.stepUuid])).toEqual([
      ["deadline", "b"],
      ["deadline", "c"],
    ]);
    expect(run.claimMany([{ stepUuid: "b", dispatchId: "d2" }])).toEqual({ refused: "stale_dispatch" });
  });

  it("claims a new task's first steps for its creator when it asks", () => {
    const { run } = seedRun({ now: 1_000 });
    const changes = run.start({ limit: 16, claim: true });
    expect(changes.dispatches).toEqual([{ stepUuid: "a", dispatchId: "d1", attempt: 1, eager: true, claimed: true }]);
    expect(changes.stepTransitions.at(-1)?.metadata).toEqual({ dispatch_id: "d1", attempt: 1, eager: true, handed_by: "create" });
    expect(changes.timersArmed.map((t) => t.kind)).toEqual(["deadline"]);
  });

  it("records one operation as one instant, however often the clock would have moved", () => {
    const clock = { now: 1_000 };
    let id = 0;
    const ticking = () => clock.now++;
    const run = new TaskRun("t", "pending", [step("a", [], ["b", "c"]), step("b", ["a"], []), step("c", ["a"], [])], {
      now: ticking,
      newId: () => `d${++id}`,
      random: () => 0,
    });
    run.start();
    run.claim("a", "d1");
    const changes = run.report("a", "d1", { success: true, result: {} });
    if ("refused" in changes) throw new Error("report refused");
    const times = [...changes.stepTransitions, ...changes.taskTransitions].map((t) => t.at);
    expect(changes.stepTransitions.filter((t) => t.to === "enqueued").map((t) => t.stepUuid)).toEqual(["b", "c"]);
    expect(new Set(times)).toEqual(new Set([changes.at]));
    // Claim timeouts count from the same instant (each grows with the dispatches already waiting).
    expect(changes.timersArmed.map((t) => t.dueAt - changes.at)).toEqual([firstClaimTimeoutMs(1), firstClaimTimeoutMs(2)]);
  });

  it("starts a task at the instant its creator gives", () => {
    const { run } = seedRun({ now: 5 });
    const changes = run.start(0, 42);
    expect(changes.at).toBe(42);
    expect(new Set(changes.taskTransitions.map((t) => t.at))).toEqual(new Set([42]));
  });

  it("fails a step permanently when its result nests deeper than the limit", () => {
    const { run } = seedRun();
    run.start();
    run.claim("a", "d1");
    let result: unknown = "leaf";
    for (let level = 0; level <= MAX_NESTING_DEPTH; level++) result = { inner: result };
    const changes = run.report("a", "d1", { success: true, result });
    if ("refused" in changes) throw new Error("report refused");
    expect(changes.errors.get("a")).toMatchObject({ error_code: "nesting_too_deep", retryable: false });
    expect(run.steps.get("a")?.state).toBe("error");
    expect(changes.results.has("a")).toBe(false);
  });

  it("keeps a result nested exactly as deep as the limit", () => {
    const { run } = seedRun();
    run.start();
    run.claim("a", "d1");
    let result: unknown = [];
    for (let level = 1; level < MAX_NESTING_DEPTH; level++) result = [result];
    const changes = run.report("a", "d1", { success: true, result });
    expect("refused" in changes || changes.results.get("a")).toBe(result);
  });
});
