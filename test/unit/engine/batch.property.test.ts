import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Changes, TaskRun, TimerSpec } from "../../../src/engine/task-run";
import type { FailureStrategy } from "../../../src/templates/types";
import { BatchOutcome } from "../../../src/worker/outcomes";
import { changesOf, loadTemplate, runOf, step, stepNamed, workersInFlight } from "./dynamic-helpers";

const MAX_ATTEMPTS = 3;

/** What one worker does: fails retryably on its first attempts, then ends as planned. */
interface WorkerPlan {
  retryableFailures: number;
  final: "success" | "permanent";
}

const scenarioArbitrary = fc.integer({ min: 1, max: 60 }).chain((workers) =>
  fc.record({
    parallelism: fc.integer({ min: 1, max: 10 }),
    strategy: fc.constantFrom<FailureStrategy>("fail_fast", "continue_on_failure", "isolate"),
    // Half the scenarios have no permanent failure at all, so the happy path is explored at every size.
    failures: fc.boolean(),
    plans: fc.array(
      fc.record({
        // MAX_ATTEMPTS retryable failures exhaust the worker's attempts: a permanent failure too.
        retryableFailures: fc.constantFrom(0, 0, 0, 1, 2, MAX_ATTEMPTS),
        final: fc.constantFrom<WorkerPlan["final"]>("success", "success", "success", "permanent"),
      }),
      { minLength: workers, maxLength: workers },
    ),
    picks: fc.infiniteStream(fc.nat()),
  }),
);

type Scenario = {
  parallelism: number;
  strategy: FailureStrategy;
  failures: boolean;
  plans: WorkerPlan[];
  picks: fc.Stream<number>;
};

function effectivePlans(scenario: Scenario): WorkerPlan[] {
  return scenario.plans.map((p) =>
    scenario.failures ? p : { retryableFailures: Math.min(p.retryableFailures, MAX_ATTEMPTS - 1), final: "success" },
  );
}

const failsForGood = (p: WorkerPlan) => p.final === "permanent" || p.retryableFailures >= MAX_ATTEMPTS;
const workerIndex = (name: string) => Number(name.slice("work_".length)) - 1;

/** The simulated handlers and timer wheel around one run, checking per-operation invariants. */
class World {
  readonly unclaimed = new Map<string, string>();
  readonly claimed = new Map<string, string>();
  timers: TimerSpec[] = [];
  readonly sentAttempts = new Set<string>();
  readonly firstDispatches: number[] = [];
  mergeRuns = 0;
  failureRecorded = false;
  readonly dispatchedAfterFailure: string[] = [];

  constructor(
    readonly run: TaskRun,
    readonly parallelism: number,
    readonly strategy: FailureStrategy,
  ) {}

  absorb(changes: Changes): void {
    const { run } = this;
    for (const t of changes.stepTransitions) {
      const name = run.steps.get(t.stepUuid)?.name ?? "";
      if (t.to === "error" && name.startsWith("work_")) this.failureRecorded = true;
      if (t.to === "in_progress" && name === "merge") this.mergeRuns += 1;
    }
    for (const d of changes.dispatches) {
      const key = `${d.stepUuid}#${d.attempt}`;
      expect(this.sentAttempts.has(key), `${key} dispatched twice`).toBe(false);
      this.sentAttempts.add(key);
      this.unclaimed.set(d.stepUuid, d.dispatchId);
      const name = run.steps.get(d.stepUuid)?.name ?? "";
      if (name.startsWith("work_") && d.attempt === 1) this.firstDispatches.push(workerIndex(name));
      if (this.failureRecorded) this.dispatchedAfterFailure.push(name);
    }
    expect(changes.childStarts).toEqual([]);
    this.timers = this.timers.filter((t) => !changes.timersCleared.has(t.stepUuid));
    this.timers.push(...changes.timersArmed.filter((t) => t.kind === "retry"));
    expect(workersInFlight(run).length).toBeLessThanOrEqual(this.parallelism);
  }
}

function simulate(scenario: Scenario, plans: WorkerPlan[]): World {
  const template = loadTemplate([
    step("plan", {
      type: "batchable",
      batch_config: { worker_template: "work", parallelism: scenario.parallelism, failure_strategy: scenario.strategy },
    }),
    step("work", { type: "batch_worker", dependencies: ["plan"], retry: { max_attempts: MAX_ATTEMPTS, backoff: "none" } }),
    step("merge", { type: "deferred_convergence", dependencies: ["work"] }),
  ]);
  const run = runOf(template);
  const world = new World(run, scenario.parallelism, scenario.strategy);
  world.absorb(run.start());
  // Initial steps use their names as uuids.
  const planDispatch = world.unclaimed.get("plan") ?? "";
  world.unclaimed.delete("plan");
  const claim = run.claim("plan", planDispatch);
  if ("refused" in claim) throw new Error(`claim of plan refused: ${claim.refused}`);
  world.absorb(
    changesOf(
      run.report("plan", planDispatch, {
        success: true,
        result: BatchOutcome.createBatches(BatchOutcome.rangeCursors(plans.length, 1)),
      }),
    ),
  );

  const picks = scenario.picks[Symbol.iterator]();
  for (let operations = 0; ; operations++) {
    expect(operations).toBeLessThan(10_000);
    const options: (() => void)[] = [];
    for (const [uuid, dispatchId] of world.unclaimed) {
      options.push(() => {
        world.unclaimed.delete(uuid);
        const claim = run.claim(uuid, dispatchId);
        if ("refused" in claim) throw new Error(`claim of ${uuid} refused: ${claim.refused}`);
        world.claimed.set(uuid, dispatchId);
        world.absorb(claim.changes);
      });
    }
    for (const [uuid, dispatchId] of world.claimed) {
      options.push(() => {
        world.claimed.delete(uuid);
        const step = run.steps.get(uuid);
        if (!step) throw new Error(`unknown step ${uuid}`);
        const workerPlan = step.name.startsWith("work_") ? plans[workerIndex(step.name)] : undefined;
        const outcome =
          !workerPlan || (step.attempts > workerPlan.retryableFailures && workerPlan.final === "success")
            ? { success: true as const, result: { step: step.name } }
            : {
                success: false as const,
                error: { message: "boom", retryable: step.attempts <= workerPlan.retryableFailures },
              };
        world.absorb(changesOf(run.report(uuid, dispatchId, outcome)));
      });
    }
    for (const timer of world.timers) {
      options.push(() => {
        world.timers = world.timers.filter((t) => t !== timer);
        world.absorb(changesOf(run.fireTimer(timer)));
      });
    }
    const choice = options[(picks.next().value as number) % Math.max(1, options.length)];
    if (!choice) break;
    choice();
  }
  return world;
}

describe("batch workers under random outcomes", () => {
  it("respect parallelism, dispatch each attempt once, in cursor order, and end as their failure strategy says", () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const plans = effectivePlans(scenario);
        const world = simulate(scenario, plans);
        const { run } = world;
        const workers = plans.map((_, i) => stepNamed(run, `work_${String(i + 1).padStart(3, "0")}`));
        const failing = new Set(plans.flatMap((p, i) => (failsForGood(p) ? [i] : [])));
        const errored = workers.flatMap((w, i) => (w.state === "error" ? [i] : []));

        // Held workers are admitted in creation order (a retry re-queues, so first attempts are the ones in order).
        expect(world.firstDispatches).toEqual(world.firstDispatches.map((_, i) => i));
        expect(errored.every((i) => failing.has(i))).toBe(true);

        if (failing.size === 0 || scenario.strategy === "continue_on_failure") {
          expect(run.state).toBe("complete");
          expect(world.mergeRuns).toBe(1);
          expect(errored).toEqual([...failing].sort((a, b) => a - b));
          expect(world.firstDispatches).toHaveLength(plans.length);
          return;
        }
        expect(run.state).toBe("blocked_by_failures");
        expect(world.mergeRuns).toBe(0);
        if (scenario.strategy === "isolate") {
          // Siblings keep running: every worker not meant to fail completed.
          expect(errored).toEqual([...failing].sort((a, b) => a - b));
          expect(workers.filter((w) => w.state === "complete")).toHaveLength(plans.length - failing.size);
        } else {
          expect(errored.length).toBeGreaterThan(0);
          expect(world.dispatchedAfterFailure).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
