import { describe, expect, it } from "vitest";
import { getSteps, hasStatus, stepAudit, stepNamed, submit, taskRequest, waitForTask } from "./helpers";

const expense = (context: Record<string, unknown>) => taskRequest("approvals", "expense_approval", context);

describe("decision points with deferred convergence", () => {
  it("creates only the branch the decision chose, and the convergence step waits for it alone", async () => {
    const task = await submit(expense({ amount: 42, employee: "ada" }));
    // At creation only the steps above the decision exist.
    expect(task.total_steps).toBe(2);
    await waitForTask(task.task_uuid, hasStatus("complete"));
    const steps = await getSteps(task.task_uuid);
    expect(steps.map((s) => s.name)).toEqual(["validate_expense", "route_approval", "auto_approve", "finalize_expense"]);
    const finalize = await stepNamed(task.task_uuid, "finalize_expense");
    expect(finalize.dependencies).toEqual(["auto_approve"]);
    expect(finalize.results).toEqual({ status: "approved", approvals: ["auto_approve"] });
    const created = await stepAudit(task.task_uuid, finalize.step_uuid);
    expect(created[0]).toMatchObject({ event: "create", to_state: "pending", metadata: { created_by: "route_approval" } });
  });

  it("creates two branches and converges once both have finished", async () => {
    const task = await submit(expense({ amount: 5_000, employee: "grace" }));
    await waitForTask(task.task_uuid, hasStatus("complete"));
    const names = (await getSteps(task.task_uuid)).map((s) => s.name);
    expect(names).toHaveLength(5);
    expect(names).not.toContain("auto_approve");
    const finalize = await stepNamed(task.task_uuid, "finalize_expense");
    expect(finalize.dependencies).toEqual(["manager_approval", "finance_review"]);
    expect(finalize.results).toEqual({ status: "approved", approvals: ["manager_approval", "finance_review"] });
    const manager = await stepNamed(task.task_uuid, "manager_approval");
    expect(manager.dependencies).toEqual(["route_approval"]);
    expect(manager.results).toEqual({ approved: true, approver: "manager" });
  });

  it("fails the decision step permanently, creating nothing, when it names a step that is not its descendant", async () => {
    const task = await submit(expense({ amount: 10, route_to: ["manager_approval", "wire_money"] }));
    await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
    const decision = await stepNamed(task.task_uuid, "route_approval");
    expect(decision.current_state).toBe("error");
    expect(decision.results).toBeNull();
    expect(decision.last_error).toMatchObject({ error_code: "invalid_decision_outcome", retryable: false });
    expect(decision.last_error?.message).toContain('"wire_money"');
    expect(decision.last_error?.message).toContain("valid: auto_approve, manager_approval, finance_review, finalize_expense");
    expect((await getSteps(task.task_uuid)).map((s) => s.name)).toEqual(["validate_expense", "route_approval"]);
  });
});
