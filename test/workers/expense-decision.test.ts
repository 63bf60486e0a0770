// The bundled approvals/expense_decision template: a manager's decision event, or an escalation when it does not come.
import { describe, expect, it } from "vitest";
import { advanceTimers, api, hasStatus, stepNamed, submit, taskRequest, waitForStep, waitForTask } from "./helpers";

const DAY = 86_400_000;

const sendEvent = (body: unknown) =>
  api("/v1/events", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function expenseWaitingForManager() {
  const expenseId = `EXP-${crypto.randomUUID().slice(0, 8)}`;
  const task = await submit(
    taskRequest("approvals", "expense_decision", { expense_id: expenseId, amount: 420, employee: "ada" }),
  );
  await waitForStep(task.task_uuid, "manager_decision", (s) => s.current_state === "in_progress");
  return { taskUuid: task.task_uuid, expenseId };
}

describe("approvals/expense_decision", () => {
  it("the manager's decision event, routed by the expense id, decides the expense", async () => {
    const { taskUuid, expenseId } = await expenseWaitingForManager();
    const response = await sendEvent({
      name: "manager_decision",
      payload: { expense_id: expenseId, approved: true, comment: "fine" },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(((await response.json()) as { receipts: unknown[] }).receipts).toEqual([
      expect.objectContaining({ task_uuid: taskUuid, status: "delivered", step_name: "manager_decision" }),
    ]);
    await waitForTask(taskUuid, hasStatus("complete"));
    expect((await stepNamed(taskUuid, "finalize_decision")).results).toEqual({ status: "approved", decided_by: "manager" });
  });

  it("two days without a decision escalate to the director, whose decision then decides", async () => {
    const { taskUuid, expenseId } = await expenseWaitingForManager();
    await advanceTimers(taskUuid, 2 * DAY);
    expect((await stepNamed(taskUuid, "manager_decision")).results).toEqual({ escalated: true });
    await waitForStep(taskUuid, "director_decision", (s) => s.current_state === "in_progress");
    // A late manager's decision no longer decides anything: no step waits for it.
    const late = await sendEvent({ name: "manager_decision", payload: { expense_id: expenseId, approved: true } });
    expect(((await late.json()) as { receipts: unknown[] }).receipts).toEqual([]);
    await sendEvent({ name: "director_decision", payload: { expense_id: expenseId, approved: false, comment: "over budget" } });
    await waitForTask(taskUuid, hasStatus("complete"));
    expect((await stepNamed(taskUuid, "finalize_decision")).results).toEqual({ status: "rejected", decided_by: "director" });
  });
});
