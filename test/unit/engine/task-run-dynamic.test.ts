import { describe, expect, it } from "vitest";
import type { Changes, TaskRun, TimerSpec } from "../../../src/engine/task-run";
import type { FailureStrategy } from "../../../src/templates/types";
import { BatchOutcome, DecisionOutcome } from "../../../src/worker/outcomes";
import {
  changesOf,
  claimAndReport,
  dispatched,
  loadTemplate,
  namesOf,
  runOf,
  stepNamed,
  workersInFlight,
} from "./dynamic-helpers";

const expense = loadTemplate([
  step("validate"),
  step("route", { type: "decision", dependencies: ["validate"] }),
  step("auto", { dependencies: ["route"] }),
  step("manager", { dependencies: ["route"] }),
  step("finance", { dependencies: ["route"] }),
  step("finalize", { type: "deferred_convergence", dependencies: ["auto", "manager", "finance"] }),
]);

function step(name: string, fields: Record<string, unknown> = {}) {
  return { name, handler: { callable: `${name}_handler` }, ...fields };
}

/** A run of the expense template with validate done and the decision dispatched. */
function atDecision(): TaskRun {
  const run = runOf(expense);
  run.start();
  expect(dispatched(run, claimAndReport(run, "validate", "success"))).toEqual(["route"]);
  return run;
}

/** plan (batchable) → work_* (at most 2 attempts, no backoff) → merge (convergence). */
function batchRun(failureStrategy: FailureStrategy, parallelism: number): TaskRun {
  const template = loadTemplate([
    step("plan", {
      type: "batchable",
      batch_config: { worker_template: "work", parallelism, failure_strategy: failureStrategy },
    }),
    step("work", { type: "batch_worker", dependencies: ["plan"], retry: { max_attempts: 2, backoff: "none" } }),
    step("merge", { type: "deferred_convergence", dependencies: ["work"] }),
  ]);
  const run = runOf(template);
  expect(dispatched(run, run.start())).toEqual(["plan"]);
  return run;
}

function planWorkers(run: TaskRun, count: number): Changes {
  return claimAndReport(run, "plan", "success", BatchOutcome.createBatches(BatchOutcome.rangeCursors(count, 1)));
}

function retryTimer(changes: Changes): TimerSpec {
  const timer = changes.timersArmed.find((t) => t.kind === "retry");
  if (!timer) throw new Error("no retry timer armed");
  return timer;
}

describe("TaskRun with a decision step", () => {
  it("creates the named branches wired to the decision, and the convergence step waits for exactly those", () => {
    const run = atDecision();
    const outcome = DecisionOutcome.createSteps(["manager", "finance"], { amount: 5_000 });
    const decided = claimAndReport(run, "route", "success", outcome);
    expect(
      decided.createdSteps.map((s) => [s.name, s.position, s.createdBy, s.remainingParents, s.definition.dependencies, s.inputs]),
    ).toEqual([
      ["manager", 2, "route", 1, ["route"], null],
      ["finance", 3, "route", 1, ["route"], null],
      ["finalize", 4, "route", 2, ["manager", "finance"], null],
    ]);
    expect(decided.createdEdges.map((edge) => namesOf(run, edge))).toEqual([
      ["route", "manager"],
      ["route", "finance"],
      ["manager", "finalize"],
      ["finance", "finalize"],
    ]);
    expect(decided.results.get("route")).toEqual(outcome);
    expect(stepNamed(run, "route").state).toBe("complete");
    expect(dispatched(run, decided)).toEqual(["manager", "finance"]);
    expect(stepNamed(run, "finalize")).toMatchObject({ state: "pending", remainingParents: 2 });

    expect(dispatched(run, claimAndReport(run, "manager", "success"))).toEqual([]);
    expect(stepNamed(run, "finalize").remainingParents).toBe(1);
    expect(dispatched(run, claimAndReport(run, "finance", "success"))).toEqual(["finalize"]);
    claimAndReport(run, "finalize", "success");
    expect(run.state).toBe("complete");
    expect([...run.steps.values()].map((s) => s.name)).toEqual(["validate", "route", "manager", "finance", "finalize"]);
  });

  it("completes the task without creating anything when the decision chooses no branches", () => {
    const run = atDecision();
    const decided = claimAndReport(run, "route", "success", DecisionOutcome.noBranches());
    expect(decided.createdSteps).toEqual([]);
    expect(run.state).toBe("complete");
    expect(run.steps.size).toBe(2);
  });

  it("fails the decision step for good with invalid_decision_outcome, creating nothing, when its outcome names a non-descendant", () => {
    const run = atDecision();
    const rejected = claimAndReport(run, "route", "success", DecisionOutcome.createSteps(["validate"]));
    expect(rejected.errors.get("route")).toEqual({
      message: 'not steps this decision can create: "validate" (valid: auto, manager, finance, finalize)',
      error_code: "invalid_decision_outcome",
      retryable: false,
      attempt: 1,
      at: 0,
    });
    // Three attempts are allowed, but rerunning the handler would return the same outcome.
    expect(rejected.stepTransitions.map((t) => t.to)).toEqual(["enqueued_for_orchestration", "error"]);
    expect(rejected.createdSteps).toEqual([]);
    expect(rejected.results.has("route")).toBe(false);
    expect(run.state).toBe("blocked_by_failures");
    expect(run.steps.size).toBe(2);
  });

  it("fails a batchable step with invalid_batch_outcome when its outcome has no cursors", () => {
    const run = batchRun("continue_on_failure", 2);
    const rejected = claimAndReport(run, "plan", "success", BatchOutcome.createBatches([]));
    expect(rejected.errors.get("plan")).toMatchObject({ error_code: "invalid_batch_outcome", retryable: false });
    expect(stepNamed(run, "plan").state).toBe("error");
    expect(run.state).toBe("blocked_by_failures");
  });
});

describe("TaskRun with a batch", () => {
  it("creates one worker per cursor in its batch, and the convergence step runs once every worker completed", () => {
    const run = batchRun("continue_on_failure", 10);
    const planned = planWorkers(run, 3);
    expect(planned.createdSteps.map((s) => [s.name, s.createdBy, s.remainingParents])).toEqual([
      ["work_001", "plan", 1],
      ["work_002", "plan", 1],
      ["work_003", "plan", 1],
      ["merge", "plan", 3],
    ]);
    expect(planned.createdSteps[1]?.inputs?.cursor).toEqual({ batch_id: "002", start_cursor: 1, end_cursor: 2, batch_size: 1 });
    expect(stepNamed(run, "work_002").batch).toEqual({ group: "plan", parallelism: 10, failureStrategy: "continue_on_failure" });
    expect(stepNamed(run, "merge").batch).toBeNull();
    // Each worker holds its own cursor; the stored outcome drops the list.
    expect(planned.results.get("plan")).toMatchObject({ batch_processing_outcome: { type: "create_batches" } });
    expect(planned.results.get("plan")).not.toHaveProperty("batch_processing_outcome.cursor_configs");
    expect(dispatched(run, planned)).toEqual(["work_001", "work_002", "work_003"]);
    claimAndReport(run, "work_001", "success");
    claimAndReport(run, "work_002", "success");
    expect(dispatched(run, claimAndReport(run, "work_003", "success"))).toEqual(["merge"]);
    claimAndReport(run, "merge", "success");
    expect(run.state).toBe("complete");
  });

  it("keeps at most `parallelism` workers ready or in flight, admitting held workers first in, first out", () => {
    const run = batchRun("continue_on_failure", 2);
    const peak: number[] = [];
    const observe = (changes: Changes) => {
      peak.push(workersInFlight(run).length);
      return dispatched(run, changes);
    };
    expect(observe(planWorkers(run, 5))).toEqual(["work_001", "work_002"]);
    expect(workersInFlight(run)).toEqual(["work_001", "work_002"]);
    expect(observe(claimAndReport(run, "work_001", "success"))).toEqual(["work_003"]);
    // A worker waiting to retry gives up its slot …
    const backingOff = claimAndReport(run, "work_002", "retryable");
    expect(observe(backingOff)).toEqual(["work_004"]);
    expect(stepNamed(run, "work_002").state).toBe("waiting_for_retry");
    // … and so does a worker that failed for good.
    expect(observe(claimAndReport(run, "work_003", "permanent"))).toEqual(["work_005"]);
    // Its retry comes due while both slots are taken: it waits behind the held queue.
    expect(observe(changesOf(run.fireTimer(retryTimer(backingOff))))).toEqual([]);
    expect(stepNamed(run, "work_002").state).toBe("pending");
    expect(observe(claimAndReport(run, "work_004", "success"))).toEqual(["work_002"]);
    expect(stepNamed(run, "work_002").dispatchId).not.toBeNull();
    expect(observe(claimAndReport(run, "work_005", "success"))).toEqual([]);
    expect(observe(claimAndReport(run, "work_002", "success"))).toEqual(["merge"]);
    claimAndReport(run, "merge", "success");
    expect(run.state).toBe("complete");
    expect(peak).toEqual([2, 2, 2, 2, 2, 2, 1, 0]);
  });

  describe("failure strategies", () => {
    it("continue_on_failure tolerates a worker that failed for good: the convergence runs and the task completes", () => {
      const run = batchRun("continue_on_failure", 10);
      planWorkers(run, 3);
      claimAndReport(run, "work_001", "success");
      claimAndReport(run, "work_002", "permanent");
      expect(stepNamed(run, "work_002").state).toBe("error");
      expect(run.state).toBe("steps_in_process");
      expect(dispatched(run, claimAndReport(run, "work_003", "success"))).toEqual(["merge"]);
      claimAndReport(run, "merge", "success");
      expect(run.state).toBe("complete");
      expect(run.stepCounts()).toMatchObject({ complete: 4, error: 1 });
    });

    it("isolate lets the other workers run and blocks the task only once nothing else can progress", () => {
      const run = batchRun("isolate", 1);
      planWorkers(run, 3);
      expect(dispatched(run, claimAndReport(run, "work_001", "permanent"))).toEqual(["work_002"]);
      expect(run.state).toBe("steps_in_process");
      expect(dispatched(run, claimAndReport(run, "work_002", "success"))).toEqual(["work_003"]);
      expect(dispatched(run, claimAndReport(run, "work_003", "success"))).toEqual([]);
      expect(run.state).toBe("blocked_by_failures");
      expect(stepNamed(run, "merge")).toMatchObject({ state: "pending", remainingParents: 1 });
      // Repairing the isolated worker releases the convergence and resumes the task.
      const repaired = changesOf(
        run.applyStepAction(stepNamed(run, "work_001").uuid, {
          action_type: "complete_manually",
          performed_by: "op",
          reason: "done by hand",
          result: { sum: 0 },
        }),
      );
      expect(dispatched(run, repaired)).toEqual(["merge"]);
      claimAndReport(run, "merge", "success");
      expect(run.state).toBe("complete");
    });

    it("isolate keeps a worker's pending retry going before blocking", () => {
      const run = batchRun("isolate", 2);
      planWorkers(run, 2);
      const backingOff = claimAndReport(run, "work_001", "retryable");
      claimAndReport(run, "work_002", "permanent");
      expect(run.state).toBe("waiting_for_retry");
      expect(dispatched(run, changesOf(run.fireTimer(retryTimer(backingOff))))).toEqual(["work_001"]);
      claimAndReport(run, "work_001", "success");
      expect(run.state).toBe("blocked_by_failures");
    });

    it("fail_fast blocks the task at once and dispatches nothing more, even as slots free", () => {
      const run = batchRun("fail_fast", 2);
      planWorkers(run, 4);
      const failed = claimAndReport(run, "work_001", "permanent");
      expect(failed.dispatches).toEqual([]);
      expect(run.state).toBe("blocked_by_failures");
      expect(claimAndReport(run, "work_002", "success").dispatches).toEqual([]);
      expect(run.state).toBe("blocked_by_failures");
      expect(["work_003", "work_004", "merge"].map((n) => stepNamed(run, n).state)).toEqual(["pending", "pending", "pending"]);
      changesOf(run.applyTaskAction({ action_type: "give_up", performed_by: "op", reason: "stop" }));
      expect(run.state).toBe("error");
    });
  });

  it("refuses reset_for_retry on a tolerated failure, allows complete_manually, and releases the convergence only once", () => {
    const run = batchRun("continue_on_failure", 10);
    planWorkers(run, 2);
    claimAndReport(run, "work_001", "permanent");
    expect(stepNamed(run, "merge").remainingParents).toBe(1);
    const failed = stepNamed(run, "work_001").uuid;
    expect(run.applyStepAction(failed, { action_type: "reset_for_retry", performed_by: "op", reason: "again" })).toEqual({
      refused: "action_not_allowed",
      state: "error",
    });
    const completed = changesOf(
      run.applyStepAction(failed, { action_type: "complete_manually", performed_by: "op", reason: "fixed", result: { n: 1 } }),
    );
    expect(completed.results.get(failed)).toEqual({ n: 1 });
    expect(completed.dispatches).toEqual([]);
    expect(stepNamed(run, "work_001").state).toBe("complete");
    expect(stepNamed(run, "merge").remainingParents).toBe(1);
    const last = claimAndReport(run, "work_002", "success");
    expect(dispatched(run, last)).toEqual(["merge"]);
    expect(stepNamed(run, "merge").remainingParents).toBe(0);
    claimAndReport(run, "merge", "success");
    expect(run.state).toBe("complete");
  });

  it("completes the no_batches placeholder inside the batchable step's report and releases the convergence", () => {
    const run = batchRun("fail_fast", 2);
    const planned = claimAndReport(run, "plan", "success", BatchOutcome.noBatches({ total_items: 0 }));
    const noOp = stepNamed(run, "work_no_op");
    expect(planned.createdSteps.map((s) => [s.name, s.inputs?.is_no_op ?? null])).toEqual([
      ["work_no_op", true],
      ["merge", null],
    ]);
    expect(planned.stepTransitions.filter((t) => t.stepUuid === noOp.uuid).map((t) => t.to)).toEqual([
      "enqueued",
      "in_progress",
      "enqueued_for_orchestration",
      "complete",
    ]);
    expect(planned.results.get(noOp.uuid)).toEqual({ is_no_op: true });
    expect(dispatched(run, planned)).toEqual(["merge"]);
    expect(noOp).toMatchObject({ state: "complete", attempts: 1, runsAs: "inline_noop" });
    claimAndReport(run, "merge", "success");
    expect(run.state).toBe("complete");
  });
});

describe("TaskRun with workflow steps", () => {
  const workflow = (template: string) => ({
    handler: { callable: "WorkflowHandler", initialization: { task_template: template } },
  });
  const template = loadTemplate([step("child_a", workflow("invoice")), step("child_b", workflow("refund")), step("local")]);

  function started() {
    const run = runOf(template);
    const changes = run.start();
    return { run, changes };
  }

  it("starts a child task for each workflow step instead of queueing it, with no claim or deadline timer", () => {
    const { run, changes } = started();
    expect(changes.childStarts.map((c) => [run.steps.get(c.stepUuid)?.name, c.dispatchId])).toEqual([
      ["child_a", "id1"],
      ["child_b", "id2"],
    ]);
    expect(dispatched(run, changes)).toEqual(["local"]);
    expect(changes.timersArmed.map((t) => namesOf(run, [t.stepUuid])[0])).toEqual(["local"]);
    expect(stepNamed(run, "child_a")).toMatchObject({ state: "in_progress", attempts: 1, dispatchId: "id1" });
    // The child's outcome comes back as a report of the dispatch that started it.
    changesOf(run.report("child_a", "id1", { success: true, result: { child: "done" } }));
    expect(stepNamed(run, "child_a").state).toBe("complete");
  });

  it("starts the child again under a new dispatch id when its failure is retried", () => {
    const { run } = started();
    const failed = changesOf(
      run.report("child_a", "id1", { success: false, error: { message: "child failed", retryable: true } }),
    );
    const retried = changesOf(run.fireTimer(retryTimer(failed)));
    expect(retried.childStarts).toEqual([{ stepUuid: "child_a", dispatchId: "id4" }]);
    expect(stepNamed(run, "child_a")).toMatchObject({ state: "in_progress", attempts: 2 });
  });

  it("cancels only the child tasks of workflow steps still in progress when the task is cancelled", () => {
    const { run } = started();
    changesOf(run.report("child_a", "id1", { success: true, result: {} }));
    const cancelled = run.cancel({ reason: "operator" });
    expect(cancelled.childCancels).toEqual([{ stepUuid: "child_b", dispatchId: "id2" }]);
    expect(stepNamed(run, "child_b").state).toBe("cancelled");
  });

  it("cancels the running child tasks when an operator gives up on the blocked task", () => {
    const { run } = started();
    changesOf(run.report("child_b", "id2", { success: true, result: {} }));
    claimAndReport(run, "local", "permanent");
    expect(run.state).toBe("blocked_by_failures");
    const gaveUp = changesOf(run.applyTaskAction({ action_type: "give_up", performed_by: "op", reason: "stop" }));
    expect(gaveUp.childCancels).toEqual([{ stepUuid: "child_a", dispatchId: "id1" }]);
    expect(run.state).toBe("error");
  });
});
