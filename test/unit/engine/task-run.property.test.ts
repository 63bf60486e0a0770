import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEPENDENCY_SATISFYING_STATES, IN_FLIGHT_STEP_STATES } from "../../../src/engine/states";
import { type Changes, type StepRuntime, TaskRun, type TimerSpec } from "../../../src/engine/task-run";
import { nextStepState, nextTaskState } from "../../../src/engine/transitions";
import type { RetrySettings } from "../../../src/templates/types";

/** A random DAG: step i may depend on any earlier step, so it is acyclic by construction. */
const dagArbitrary = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.constant(n),
      fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: n, maxLength: n }),
    ),
  )
  .map(([n, matrix, maxAttempts]) =>
    Array.from({ length: n }, (_, i) => ({
      parents: Array.from({ length: i }, (_, j) => j).filter((j) => matrix[i]?.[j] && Math.abs(i - j) <= 3),
      maxAttempts: maxAttempts[i] ?? 1,
    })),
  );

/** What the simulated world does next: claim, report, fire a timer, replay a stale message, or cancel. */
const actionArbitrary = fc.record({
  kind: fc.constantFrom(
    "claim",
    "claim",
    "report",
    "report",
    "report",
    "timer",
    "duplicate",
    "operator",
    "dead_letter",
    "cancel_rarely",
  ),
  pick: fc.nat(),
  outcome: fc.constantFrom("success", "success", "success", "retryable", "permanent"),
});

function retry(maxAttempts: number): RetrySettings {
  return { retryable: true, max_attempts: maxAttempts, backoff: "exponential", backoff_base_ms: 100, max_backoff_ms: 1000 };
}

interface World {
  run: TaskRun;
  clock: { now: number };
  timers: TimerSpec[];
  /** Every dispatch ever sent, so old ones can be replayed as duplicates. */
  sent: { stepUuid: string; dispatchId: string }[];
  claimed: { stepUuid: string; dispatchId: string }[];
  dispatchRounds: string[][];
}

function build(dag: { parents: number[]; maxAttempts: number }[], seed: number): World {
  const clock = { now: 1_000_000 };
  let ids = 0;
  let rng = seed;
  const steps: StepRuntime[] = dag.map((s, i) => ({
    uuid: `s${i}`,
    name: `step_${i}`,
    state: "pending",
    attempts: 0,
    retry: retry(s.maxAttempts),
    timeoutMs: 1000,
    parents: s.parents.map((p) => `s${p}`),
    children: dag.flatMap((c, j) => (c.parents.includes(i) ? [`s${j}`] : [])),
    remainingParents: s.parents.length,
    dispatchId: null,
    nextRetryAt: null,
  }));
  const run = new TaskRun("t1", "pending", steps, {
    now: () => clock.now,
    newId: () => `d${++ids}`,
    random: () => {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      return rng / 2 ** 31;
    },
  });
  return { run, clock, timers: [], sent: [], claimed: [], dispatchRounds: [] };
}

/** Applies a change set to the simulated world and checks the per-operation invariants. */
function absorb(world: World, changes: Changes): void {
  const { run } = world;
  for (const t of changes.taskTransitions) expect(nextTaskState(t.from, t.event)).toBe(t.to);
  for (const t of changes.stepTransitions) expect(nextStepState(t.from, t.event)).toBe(t.to);
  for (const t of changes.stepTransitions.filter((t) => t.to === "enqueued")) {
    const step = run.steps.get(t.stepUuid);
    for (const parent of step?.parents ?? []) {
      expect(DEPENDENCY_SATISFYING_STATES.has(run.steps.get(parent)?.state ?? "pending")).toBe(true);
    }
  }
  if (changes.taskClosed) world.timers = [];
  world.timers = world.timers.filter((t) => !changes.timersCleared.has(t.stepUuid));
  world.timers.push(...changes.timersArmed);
  world.sent.push(...changes.dispatches);
  const fresh = changes.stepTransitions.filter((t) => t.to === "enqueued").map((t) => t.stepUuid);
  if (fresh.length > 0) world.dispatchRounds.push(fresh);
  for (const step of run.steps.values()) expect(step.attempts).toBeLessThanOrEqual(step.retry.max_attempts);
  // Everything that is ready goes out in the same round, unless the task is blocked or finished.
  if (run.state !== "blocked_by_failures") expect(run.readyStepUuids()).toEqual([]);
}

function outcomeFor(kind: string) {
  if (kind === "success") return { success: true as const, result: { ok: true } };
  return {
    success: false as const,
    error: { message: "boom", error_code: kind, retryable: kind === "retryable" },
  };
}

function act(world: World, action: { kind: string; pick: number; outcome: string }): void {
  const { run } = world;
  const steps = [...run.steps.values()];
  const pick = <T>(xs: T[]): T | undefined => xs[action.pick % Math.max(1, xs.length)];
  switch (action.kind) {
    case "claim": {
      const step = pick(steps.filter((s) => s.state === "enqueued"));
      if (!step?.dispatchId) return;
      const result = run.claim(step.uuid, step.dispatchId);
      if ("changes" in result) {
        world.claimed.push({ stepUuid: step.uuid, dispatchId: step.dispatchId });
        absorb(world, result.changes);
      }
      return;
    }
    case "report": {
      const step = pick(steps.filter((s) => s.state === "in_progress"));
      if (!step?.dispatchId) return;
      const result = run.report(step.uuid, step.dispatchId, outcomeFor(action.outcome), action.pick % 3);
      if (!("refused" in result)) absorb(world, result);
      return;
    }
    case "timer": {
      world.timers.sort((a, b) => a.dueAt - b.dueAt);
      const timer = world.timers.shift();
      if (!timer) return;
      world.clock.now = Math.max(world.clock.now, timer.dueAt);
      const result = run.fireTimer(timer);
      if (!("refused" in result)) absorb(world, result);
      return;
    }
    case "duplicate": {
      // Replays of old messages and reports must be refused and change nothing.
      const old = pick(world.claimed);
      if (!old) return;
      const before = JSON.stringify([...run.steps.values()].map((s) => [s.state, s.attempts]));
      const claim = run.claim(old.stepUuid, old.dispatchId);
      expect("refused" in claim).toBe(true);
      const step = run.steps.get(old.stepUuid);
      if (step?.dispatchId !== old.dispatchId || step.state !== "in_progress") {
        expect("refused" in run.report(old.stepUuid, old.dispatchId, outcomeFor("success"))).toBe(true);
      }
      expect(JSON.stringify([...run.steps.values()].map((s) => [s.state, s.attempts]))).toBe(before);
      return;
    }
    case "dead_letter": {
      // Rarely, a message exhausts its queue retries and reaches the dead-letter queue.
      const step = pick(steps.filter((s) => s.state === "enqueued"));
      if (!step?.dispatchId || action.pick % 10 !== 0) return;
      const result = run.deadLetter(step.uuid, step.dispatchId);
      if (!("refused" in result)) absorb(world, result);
      return;
    }
    case "operator": {
      // An operator repairs a step, possibly racing its handler's report; refusals are fine.
      const step = pick(steps);
      if (!step) return;
      const actions = [
        { action_type: "reset_for_retry" as const, performed_by: "op", reason: "fixed" },
        { action_type: "resolve_manually" as const, performed_by: "op", reason: "skip" },
        { action_type: "complete_manually" as const, performed_by: "op", reason: "done", result: { manual: true } },
      ];
      const repair = actions[action.pick % 3];
      if (!repair) return;
      const stateBefore = step.state;
      const result = run.applyStepAction(step.uuid, repair);
      if ("refused" in result) {
        expect(step.state).toBe(stateBefore);
        return;
      }
      absorb(world, result);
      return;
    }
    case "cancel_rarely":
      if (action.pick % 25 === 0 && !["complete", "cancelled", "error", "resolved_manually"].includes(run.state)) {
        absorb(world, run.cancel({ reason: "test" }));
      }
      return;
  }
}

/** After the random phase, the world behaves: claims, succeeds and fires timers until nothing moves. */
function drain(world: World): void {
  for (let i = 0; i < 10_000; i++) {
    const steps = [...world.run.steps.values()];
    const enqueued = steps.find((s) => s.state === "enqueued");
    const running = steps.find((s) => s.state === "in_progress");
    if (enqueued)
      act(world, { kind: "claim", pick: steps.filter((s) => s.state === "enqueued").indexOf(enqueued), outcome: "success" });
    else if (running) act(world, { kind: "report", pick: 0, outcome: "success" });
    else if (world.timers.length > 0) act(world, { kind: "timer", pick: 0, outcome: "success" });
    else return;
  }
  throw new Error("the engine did not settle");
}

describe("TaskRun (property-based)", () => {
  it("ends every task terminal or blocked, with nothing in flight, whatever the outcomes", () => {
    fc.assert(
      fc.property(
        dagArbitrary,
        fc.array(actionArbitrary, { maxLength: 80 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (dag, actions, seed) => {
          const world = build(dag, seed);
          absorb(world, world.run.start());
          for (const action of actions) act(world, action);
          drain(world);
          expect(["complete", "cancelled", "blocked_by_failures"]).toContain(world.run.state);
          const counts = world.run.stepCounts();
          for (const state of IN_FLIGHT_STEP_STATES) expect(counts[state]).toBe(0);
          if (world.run.state === "complete") {
            for (const step of world.run.steps.values()) expect(["complete", "resolved_manually"]).toContain(step.state);
          }
          if (world.run.state === "blocked_by_failures") expect(counts.error).toBeGreaterThan(0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("dispatches independent branches in the same round", () => {
    fc.assert(
      fc.property(dagArbitrary, fc.integer({ min: 1, max: 2 ** 30 }), (dag, seed) => {
        const world = build(dag, seed);
        absorb(world, world.run.start());
        const roots = dag.flatMap((s, i) => (s.parents.length === 0 ? [`s${i}`] : []));
        expect(world.dispatchRounds[0]?.sort()).toEqual(roots.sort());
        drain(world);
        expect(world.run.state).toBe("complete");
        // With only successes, each round is exactly the set of steps whose last parent just finished.
        expect(world.dispatchRounds.flat().sort()).toEqual(dag.map((_, i) => `s${i}`).sort());
      }),
      { numRuns: 200 },
    );
  });
});
