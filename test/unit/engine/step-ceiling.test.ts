import { describe, expect, it } from "vitest";
import { MAX_BATCH_WORKERS } from "../../../src/engine/dynamic-steps";
import type { TaskRun } from "../../../src/engine/task-run";
import { DEFAULT_MAX_TASK_STEPS, MAX_TEMPLATE_STEPS, STEP_LIMIT_EXCEEDED } from "../../../src/shared/limits";
import { BatchOutcome, DecisionOutcome } from "../../../src/worker/outcomes";
import { claimAndReport, loadTemplate, runOf, step, stepNamed } from "./dynamic-helpers";

// Hole 6 of issue 11: a 174-byte request started a 2,000-step batch, and a template may hold several
// batchable steps. A task's steps, created ones included, never exceed its ceiling.

/** first (batchable) → work_* → merge (convergence) → second (batchable) → more_* → end (convergence). */
const twoBatches = loadTemplate([
  step("first", { type: "batchable", batch_config: { worker_template: "work" } }),
  step("work", { type: "batch_worker", dependencies: ["first"] }),
  step("merge", { type: "deferred_convergence", dependencies: ["work"] }),
  step("second", { type: "batchable", dependencies: ["merge"], batch_config: { worker_template: "more" } }),
  step("more", { type: "batch_worker", dependencies: ["second"] }),
  step("end", { type: "deferred_convergence", dependencies: ["more"] }),
]);

/** decide (decision) → a, b, c. */
const decision = loadTemplate([
  step("decide", { type: "decision" }),
  step("a", { dependencies: ["decide"] }),
  step("b", { dependencies: ["decide"] }),
  step("c", { dependencies: ["decide"] }),
]);

function started(template: typeof twoBatches, maxSteps: number): TaskRun {
  const run = runOf(template, { now: 0 }, { maxSteps });
  run.start();
  return run;
}

const batchOf = (workers: number) => BatchOutcome.createBatches(BatchOutcome.rangeCursors(workers, 1));

describe("TaskRun: the ceiling on a task's steps", () => {
  it("defaults to room for a full batch on top of the largest template", () => {
    expect(DEFAULT_MAX_TASK_STEPS).toBeGreaterThanOrEqual(MAX_BATCH_WORKERS + MAX_TEMPLATE_STEPS);
  });

  it("lets a batch fill the task up to the ceiling exactly, its convergence step counted", () => {
    // first, then 5 workers, merge and second: 8 steps.
    const run = started(twoBatches, 8);
    const changes = claimAndReport(run, "first", "success", batchOf(5));
    expect(changes.errors.size).toBe(0);
    expect(run.steps.size).toBe(8);
  });

  it("fails the batchable step permanently with step_limit_exceeded, creating nothing, when its batch would cross it", () => {
    const run = started(twoBatches, 7);
    const changes = claimAndReport(run, "first", "success", batchOf(5));
    expect(changes.errors.get("first")).toMatchObject({ error_code: STEP_LIMIT_EXCEEDED, retryable: false });
    expect(changes.errors.get("first")?.message).toContain("at most 7");
    expect(changes.createdSteps).toEqual([]);
    expect(run.steps.size).toBe(1);
    expect(stepNamed(run, "first").state).toBe("error");
    expect(run.state).toBe("blocked_by_failures");
  });

  it("counts every batch the task already made: a second batch that would cross it fails its own step", () => {
    const run = started(twoBatches, 12);
    claimAndReport(run, "first", "success", batchOf(5));
    for (let i = 1; i <= 5; i++) claimAndReport(run, `work_00${i}`, "success");
    claimAndReport(run, "merge", "success");
    const changes = claimAndReport(run, "second", "success", batchOf(4));
    expect(changes.errors.get(stepNamed(run, "second").uuid)).toMatchObject({ error_code: STEP_LIMIT_EXCEEDED });
    expect(changes.createdSteps).toEqual([]);
    expect(run.steps.size).toBe(8);
  });

  it("fails a decision whose branches would cross it", () => {
    const run = started(decision, 3);
    const changes = claimAndReport(run, "decide", "success", DecisionOutcome.createSteps(["a", "b", "c"]));
    expect(changes.errors.get("decide")).toMatchObject({ error_code: STEP_LIMIT_EXCEEDED, retryable: false });
    expect(run.steps.size).toBe(1);
    const fits = started(decision, 3);
    expect(claimAndReport(fits, "decide", "success", DecisionOutcome.createSteps(["a", "b"])).errors.size).toBe(0);
  });
});
