import { describe, expect, it } from "vitest";
import { type Actor, type Changes, type StepRuntime, TaskRun } from "../../../src/engine/task-run";
import { stepRuntime } from "./step-runtime";

const OPERATOR: Actor = { name: "operator-1", via: "jwt" };

function step(uuid: string, parents: string[], children: string[]): StepRuntime {
  return stepRuntime(uuid, parents, children, {
    retry: { retryable: false, max_attempts: 1, backoff: "none", backoff_base_ms: 0, max_backoff_ms: 0 },
  });
}

/** a → b, with `a` failed permanently: the task is blocked. */
function blockedRun(): TaskRun {
  let id = 0;
  const run = new TaskRun("t", "pending", [step("a", [], ["b"]), step("b", ["a"], [])], {
    now: () => 0,
    newId: () => `d${++id}`,
    random: () => 0,
  });
  run.start();
  run.claim("a", "d1");
  run.report("a", "d1", { success: false, error: { message: "no", error_code: "x", retryable: false } });
  return run;
}

function changed(result: Changes | { refused: string }): Changes {
  if ("refused" in result) throw new Error(`refused: ${result.refused}`);
  return result;
}

describe("TaskRun: the audit of operator actions", () => {
  it("records the authenticated actor next to the caller's free-text performed_by", () => {
    const run = blockedRun();
    const changes = changed(
      run.applyStepAction("a", {
        action_type: "complete_manually",
        performed_by: "someone-else",
        reason: "checked",
        result: {},
        actor: OPERATOR,
      }),
    );
    expect(changes.stepTransitions[0]?.metadata).toEqual({ performed_by: "someone-else", reason: "checked", actor: OPERATOR });
  });

  it("records the actor of a task action", () => {
    const run = blockedRun();
    const changes = changed(run.applyTaskAction({ action_type: "give_up", performed_by: "x", reason: "y", actor: OPERATOR }));
    expect(changes.taskTransitions.at(-1)?.metadata).toEqual({ performed_by: "x", reason: "y", actor: OPERATOR });
  });

  it("writes no actor for an action that came without one (an engine caller, not the API)", () => {
    const run = blockedRun();
    const changes = changed(run.applyStepAction("a", { action_type: "resolve_manually", performed_by: "x", reason: "y" }));
    expect(changes.stepTransitions[0]?.metadata).not.toHaveProperty("actor");
  });
});
