import { describe, expect, it } from "vitest";
import { TaskRun, TIMERS_FIRING_WHILE_PAUSED } from "../../../src/engine/task-run";
import { stepRuntime } from "./step-runtime";

const step = stepRuntime;

/** a → (b, c), started: a is enqueued. */
function started() {
  let id = 0;
  const run = new TaskRun("t", "pending", [step("a", [], ["b", "c"]), step("b", ["a"], []), step("c", ["a"], [])], {
    now: () => 0,
    newId: () => `d${++id}`,
    random: () => 0,
  });
  run.start();
  return run;
}

const control = { performed_by: "ops", reason: "maintenance", actor: { name: "key-ops", via: "api_key" as const } };

describe("a paused task", () => {
  it("records the pause as a transition that keeps the state, with who and why", () => {
    const run = started();
    const changes = run.pause(control);
    if ("refused" in changes) throw new Error("refused");
    expect(changes.pause).toMatchObject({ performed_by: "ops", reason: "maintenance", actor: { name: "key-ops" } });
    expect(changes.taskTransitions).toEqual([
      {
        from: "steps_in_process",
        to: "steps_in_process",
        event: "pause",
        at: 0,
        metadata: { performed_by: "ops", reason: "maintenance", actor: { name: "key-ops", via: "api_key" } },
      },
    ]);
    expect(run.pause(control)).toEqual({ refused: "task_paused" });
  });

  it("refuses the claim of a dispatch enqueued before the pause, which stays enqueued", () => {
    const run = started();
    const dispatchId = run.steps.get("a")?.dispatchId ?? "";
    run.pause(control);
    expect(run.claim("a", dispatchId)).toEqual({ refused: "task_paused" });
    expect(run.steps.get("a")).toMatchObject({ state: "enqueued", dispatchId, attempts: 0 });
  });

  it("records the report of a step in flight but dispatches none of the steps it made ready, until resumed", () => {
    const run = started();
    const dispatchId = run.steps.get("a")?.dispatchId ?? "";
    run.claim("a", dispatchId);
    run.pause(control);
    const reported = run.report("a", dispatchId, { success: true, result: {} });
    if ("refused" in reported) throw new Error("refused");
    expect(reported.dispatches).toEqual([]);
    expect(run.state).toBe("waiting_for_dependencies");
    expect(run.readyStepUuids().sort()).toEqual(["b", "c"]);
    const resumed = run.resume(control);
    if ("refused" in resumed) throw new Error("refused");
    expect(resumed.pause).toBeNull();
    expect(resumed.dispatches.map((d) => d.stepUuid).sort()).toEqual(["b", "c"]);
    expect(run.state).toBe("steps_in_process");
  });

  it("holds every step timer but the deadline of a step in flight, and fires none of them", () => {
    const run = started();
    run.pause(control);
    expect(run.holdsTimer("retry")).toBe(true);
    expect(run.holdsTimer("claim_timeout")).toBe(true);
    expect(run.holdsTimer("a_kind_added_later")).toBe(true);
    expect(run.holdsTimer("deadline")).toBe(false);
    expect([...TIMERS_FIRING_WHILE_PAUSED]).toEqual(["deadline"]);
    const timer = { kind: "claim_timeout" as const, stepUuid: "a", dispatchId: run.steps.get("a")?.dispatchId ?? null, dueAt: 0 };
    expect(run.fireTimer(timer)).toEqual({ refused: "task_paused" });
    run.resume(control);
    expect("refused" in run.fireTimer(timer)).toBe(false);
  });

  it("cannot be paused or resumed once finished, and a cancel ends the pause", () => {
    const run = started();
    run.pause(control);
    run.cancel({ reason: "no longer needed" });
    expect(run.state).toBe("cancelled");
    expect(run.paused).toBe(false);
    expect(run.pause(control)).toEqual({ refused: "task_finished" });
    expect(run.resume(control)).toEqual({ refused: "task_finished" });
  });
});
