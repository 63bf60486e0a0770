import { describe, expect, it } from "vitest";
import { api, getSteps, hasStatus, seedOrder, stepAudit, submit, taskTransitions, timerCount, waitForTask } from "./helpers";

describe("the seed's order_fulfillment over HTTP", () => {
  it("accepts the submission with 201, a task_uuid and a status", async () => {
    const order = seedOrder();
    const task = await submit(order);
    expect(task.task_uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(task.status).toBe("steps_in_process");
    expect(task.total_steps).toBe(3);
    expect(task.context).toEqual(order.context);
    await waitForTask(task.task_uuid, hasStatus("complete"));
  });

  it("runs every step to completion with results, attempts and timestamps", async () => {
    const { task_uuid } = await submit(seedOrder("ORD-12345"));
    const task = await waitForTask(task_uuid, hasStatus("complete"));
    expect(task).toMatchObject({ total_steps: 3, completed_steps: 3, failed_steps: 0, completion_percentage: 100 });
    expect(task.completed_at).not.toBeNull();

    const steps = await getSteps(task_uuid);
    expect(steps.map((s) => s.name)).toEqual(["validate_order", "reserve_inventory", "charge_payment"]);
    for (const step of steps) {
      expect(step).toMatchObject({ current_state: "complete", attempts: 1, last_error: null });
      expect(step.results).not.toBeNull();
      expect(step.created_at <= (step.last_attempted_at ?? "")).toBe(true);
      expect((step.last_attempted_at ?? "") <= (step.completed_at ?? "")).toBe(true);
    }
    const [validate, , charge] = steps;
    expect(validate?.results).toMatchObject({ valid: true, order_id: "ORD-12345" });
    // charge_payment read validate_order's order_total through its dependency results.
    expect(charge?.results).toMatchObject({
      charged: true,
      amount: (validate?.results as { order_total: number } | undefined)?.order_total,
    });
    expect(charge?.max_attempts).toBe(3);
    expect(await timerCount(task_uuid)).toBe(0);
  });

  it("dispatches the two branches after validate_order in the same round", async () => {
    const { task_uuid } = await submit(seedOrder());
    await waitForTask(task_uuid, hasStatus("complete"));
    const rounds = (await taskTransitions(task_uuid)).filter((t) => t.event === "ready_steps_found");
    expect(rounds.map((t) => t.metadata.ready_steps)).toEqual([1, 2]);
    const steps = await getSteps(task_uuid);
    const enqueuedAt = await Promise.all(
      steps
        .slice(1)
        .map(async (s) => (await stepAudit(task_uuid, s.step_uuid)).find((t) => t.to_state === "enqueued")?.recorded_at),
    );
    expect(enqueuedAt[0]).toBeDefined();
    expect(enqueuedAt[0]).toBe(enqueuedAt[1]);
  });

  it("keeps each step's transitions in order in its audit", async () => {
    const { task_uuid } = await submit(seedOrder());
    await waitForTask(task_uuid, hasStatus("complete"));
    const [validate] = await getSteps(task_uuid);
    const audit = await stepAudit(task_uuid, validate?.step_uuid ?? "");
    expect(audit.map((t) => [t.from_state, t.to_state, t.event])).toEqual([
      [null, "pending", "create"],
      ["pending", "enqueued", "enqueue"],
      ["enqueued", "in_progress", "start"],
      ["in_progress", "enqueued_for_orchestration", "enqueue_for_orchestration"],
      ["enqueued_for_orchestration", "complete", "complete"],
    ]);
    const times = audit.map((t) => t.recorded_at);
    expect([...times].sort()).toEqual(times);
  });

  it("records the task's own transitions from pending to complete", async () => {
    const { task_uuid } = await submit(seedOrder());
    await waitForTask(task_uuid, hasStatus("complete"));
    const transitions = await taskTransitions(task_uuid);
    expect(transitions[0]).toMatchObject({ from_state: null, to_state: "pending" });
    expect(transitions.at(-1)).toMatchObject({ to_state: "complete", event: "all_steps_successful" });
    for (let i = 1; i < transitions.length; i++) expect(transitions[i]?.from_state).toBe(transitions[i - 1]?.to_state);
    const response = await api(`/v1/tasks/${task_uuid}`);
    expect(response.headers.get("content-type")).toContain("application/json");
  });
});
