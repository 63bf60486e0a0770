import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../examples/orchestrator/src/dev";
import {
  api,
  createFromYaml,
  getSteps,
  HELD_TEMPLATE,
  hasStatus,
  heldMessage,
  purgeDue,
  scheduledAlarm,
  seedOrder,
  stepAudit,
  stepNamed,
  submit,
  taskStub,
  timerCount,
  waitForTask,
} from "./helpers";

describe("cancellation", () => {
  it("cancels a running task and its unfinished steps together", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    expect(await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id)).not.toBeNull();
    const response = await api(`/v1/tasks/${task_uuid}`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "cancelled", cancelled_steps: 2 });
    for (const step of await getSteps(task_uuid)) expect(step.current_state).toBe("cancelled");
    expect(await timerCount(task_uuid)).toBe(0);
    // What stays is the retention's purge, 30 days after the cancellation: the alarm, still set for
    // the claim's deadline, wakes early with nothing due and re-arms at the purge.
    const purgeAt = await purgeDue(task_uuid);
    expect(await scheduledAlarm(task_uuid)).toBeLessThanOrEqual(purgeAt ?? 0);
    await vi.waitUntil(async () => (await taskStub(task_uuid).inspect()).timers.length === 1, { timeout: 5_000, interval: 20 });
    expect(await runDurableObjectAlarm(env.TASKS.getByName(task_uuid))).toBe(true);
    expect(await scheduledAlarm(task_uuid)).toBe(purgeAt);
  });

  it("refuses to cancel a task that already finished", async () => {
    const { task_uuid } = await submit(seedOrder());
    await waitForTask(task_uuid, hasStatus("complete"));
    const response = await api(`/v1/tasks/${task_uuid}`, { method: "DELETE" });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: { code: "task_already_terminal", message: `task ${task_uuid} is already complete`, details: { status: "complete" } },
    });
  });

  it("ignores the late report of a handler that was running when the task was cancelled", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id);
    await api(`/v1/tasks/${task_uuid}`, { method: "DELETE" });
    const receipt = await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, { success: true, result: { late: true } });
    expect(receipt).toEqual({ accepted: false, step_state: "cancelled" });
    expect((await stepNamed(task_uuid, "held")).results).toBeNull();
  });
});

describe("duplicate deliveries", () => {
  it("treats a second claim and a second report of the same dispatch as no-ops", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    const first = await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id);
    expect(first?.step).toMatchObject({ name: "held", attempt: 1, max_attempts: 2, timeout_ms: 10_000 });
    expect(await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id)).toBeNull();
    expect((await stepNamed(task_uuid, "held")).attempts).toBe(1);
    const receipt = await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, { success: true, result: { n: 1 } });
    expect(receipt.accepted).toBe(true);
    const duplicate = await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, { success: true, result: { n: 2 } });
    expect(duplicate.accepted).toBe(false);
    expect((await stepNamed(task_uuid, "held")).results).toEqual({ n: 1 });
  });

  it("acks a redelivered message without running the handler again or recording a second result", async () => {
    const { task_uuid } = await submit(seedOrder());
    await waitForTask(task_uuid, hasStatus("complete"));
    const validate = await stepNamed(task_uuid, "validate_order");
    const auditBefore = await stepAudit(task_uuid, validate.step_uuid);
    const dispatchId = auditBefore.find((t) => t.event === "enqueue")?.metadata.dispatch_id as string;
    const body = { task_uuid, step_uuid: validate.step_uuid, attempt: 1, dispatch_id: dispatchId };
    const batch = createMessageBatch("tasker-steps-default", [
      { id: "dup-1", timestamp: new Date(), attempts: 1, body },
      { id: "dup-2", timestamp: new Date(), attempts: 2, body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["dup-1", "dup-2"]);
    expect(result.retryMessages).toEqual([]);
    const after = await stepNamed(task_uuid, "validate_order");
    expect(after).toMatchObject({ attempts: 1, results: validate.results, completed_at: validate.completed_at });
    expect(await stepAudit(task_uuid, validate.step_uuid)).toEqual(auditBefore);
  });
});
