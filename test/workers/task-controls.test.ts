import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { TaskView } from "../../src/task-object/views";
import {
  advanceTimers,
  api,
  createFromYaml,
  errorOf,
  HELD_TEMPLATE,
  heldMessage,
  scheduledAlarm,
  stepNamed,
  taskStub,
  taskTransitions,
} from "./helpers";

const post = (path: string, body: unknown) =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function control(taskUuid: string, action: "pause" | "resume", body: Record<string, unknown> = {}): Promise<TaskView> {
  const response = await post(`/v1/tasks/${taskUuid}/${action}`, { reason: `${action} for a test`, ...body });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

async function stepRow(taskUuid: string, name: string) {
  const step = (await taskStub(taskUuid).inspect()).steps.find((s) => s.name === name);
  if (!step) throw new Error(`no step ${name}`);
  return step;
}

async function heldTimers(taskUuid: string, stepUuid: string) {
  return (await taskStub(taskUuid).inspect()).timers.filter((t) => t.step_uuid === stepUuid);
}

describe("pausing a task", () => {
  it("lets the step in flight finish and be recorded, holds the step it made ready, and dispatches it on resume", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    expect(await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id)).not.toBeNull();

    const paused = await control(task_uuid, "pause", { performed_by: "ops@example.com", reason: "supplier outage" });
    expect(paused.status).toBe("steps_in_process");
    expect(paused.paused).toMatchObject({
      performed_by: "ops@example.com",
      reason: "supplier outage",
      actor: { name: "anonymous", via: "none" },
    });

    const receipt = await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, { success: true, result: { ok: 1 } });
    expect(receipt).toMatchObject({ accepted: true, step_state: "complete" });
    const waiting = await stepRow(task_uuid, "after_held");
    expect(waiting).toMatchObject({ state: "pending", remaining_parents: 0, dispatch_id: null });
    const whilePaused = (await api(`/v1/tasks/${task_uuid}`).then((r) => r.json())) as TaskView;
    expect(whilePaused).toMatchObject({ status: "waiting_for_dependencies", completed_steps: 1, pending_steps: 1 });
    expect((await taskStub(task_uuid).inspect()).outbox).toEqual([]);

    const resumed = await control(task_uuid, "resume", { reason: "supplier back" });
    expect(resumed).toMatchObject({ status: "steps_in_process", paused: null });
    const next = await heldMessage(task_uuid, "after_held");
    expect(await taskStub(task_uuid).claim(next.step_uuid, next.dispatch_id)).not.toBeNull();
    await taskStub(task_uuid).report(next.step_uuid, next.dispatch_id, { success: true, result: {} });
    expect((await taskStub(task_uuid).getTask()).ok && (await taskStub(task_uuid).inspect()).task?.state).toBe("complete");

    const log = await taskTransitions(task_uuid);
    const pause = log.find((t) => t.event === "pause");
    const unpause = log.find((t) => t.event === "unpause");
    expect(pause).toMatchObject({
      from_state: "steps_in_process",
      to_state: "steps_in_process",
      actor: { name: "anonymous", via: "none" },
      metadata: { performed_by: "ops@example.com", reason: "supplier outage" },
    });
    expect(unpause).toMatchObject({ from_state: "waiting_for_dependencies", metadata: { reason: "supplier back" } });
  });

  it("refuses the claim of a step enqueued before the pause, keeps it enqueued, and sends it again on resume", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await control(task_uuid, "pause");

    expect(await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id)).toBeNull();
    expect(await stepRow(task_uuid, "held")).toMatchObject({ state: "enqueued", dispatch_id: held.dispatch_id, attempts: 0 });
    // The claim timeout comes due while paused: it is held, not fired (no re-send, no new timer).
    await advanceTimers(task_uuid, 120_000);
    const [claimTimeout] = await heldTimers(task_uuid, held.step_uuid);
    expect(claimTimeout).toMatchObject({ kind: "claim_timeout", dispatch_id: held.dispatch_id });
    expect(claimTimeout?.due_at).toBeLessThan(Date.now());
    expect((await taskStub(task_uuid).inspect()).outbox).toEqual([]);

    await control(task_uuid, "resume");
    // Overdue, the held timer is what the alarm points at now: it fires at once and sends the same
    // dispatch again, with the next claim timeout armed.
    await runDurableObjectAlarm(env.TASKS.getByName(task_uuid));
    await vi.waitUntil(async () => ((await heldTimers(task_uuid, held.step_uuid))[0]?.due_at ?? 0) > Date.now(), {
      timeout: 5_000,
      interval: 20,
    });
    expect(await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id)).not.toBeNull();
    expect(await stepRow(task_uuid, "held")).toMatchObject({ state: "in_progress", attempts: 1 });
  });

  it("holds a retry timer that comes due while paused and fires it on resume", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id);
    await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, {
      success: false,
      error: { message: "flaky", retryable: true },
    });
    expect(await stepRow(task_uuid, "held")).toMatchObject({ state: "waiting_for_retry" });
    await control(task_uuid, "pause");

    // An hour passes: the retry comes due and waits; the alarm no longer points at it.
    await advanceTimers(task_uuid, 3_600_000);
    expect(await stepRow(task_uuid, "held")).toMatchObject({ state: "waiting_for_retry" });
    const [retry] = await heldTimers(task_uuid, held.step_uuid);
    expect(retry).toMatchObject({ kind: "retry" });
    const alarm = await scheduledAlarm(task_uuid);
    expect(alarm === null || alarm > (retry?.due_at ?? 0)).toBe(true);

    await control(task_uuid, "resume");
    // Overdue, the held retry is what the alarm points at now, and it fires at once.
    await runDurableObjectAlarm(env.TASKS.getByName(task_uuid));
    await vi.waitUntil(async () => (await stepRow(task_uuid, "held")).state === "enqueued", { timeout: 5_000, interval: 20 });
    const retried = await stepRow(task_uuid, "held");
    expect(retried).toMatchObject({ state: "enqueued", attempts: 1 });
    expect(retried.dispatch_id).not.toBe(held.dispatch_id);
  });

  it("lets the deadline of a step in flight fire while paused, and holds the retry it schedules", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id);
    await control(task_uuid, "pause");
    await advanceTimers(task_uuid, 60_000);
    const step = await stepNamed(task_uuid, "held");
    expect(step.current_state).toBe("waiting_for_retry");
    expect(step.last_error).toMatchObject({ error_code: "timeout" });
    expect((await heldTimers(task_uuid, held.step_uuid)).map((t) => t.kind)).toEqual(["retry"]);
  });

  it("pausing twice changes nothing, resuming a running task changes nothing, and a finished task answers 409", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const first = await control(task_uuid, "pause", { reason: "first" });
    const second = await control(task_uuid, "pause", { reason: "second" });
    expect(second.paused).toEqual(first.paused);
    expect((await taskTransitions(task_uuid)).filter((t) => t.event === "pause")).toHaveLength(1);
    await control(task_uuid, "resume");
    const again = await control(task_uuid, "resume");
    expect(again.paused).toBeNull();
    expect((await taskTransitions(task_uuid)).filter((t) => t.event === "unpause")).toHaveLength(1);

    await api(`/v1/tasks/${task_uuid}`, { method: "DELETE" });
    await errorOf(await post(`/v1/tasks/${task_uuid}/pause`, { reason: "too late" }), 409, "task_already_terminal");
    await errorOf(await post(`/v1/tasks/${task_uuid}/resume`, { reason: "too late" }), 409, "task_already_terminal");
  });

  it("cancels a paused task, which ends its pause", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    await control(task_uuid, "pause");
    const response = await api(`/v1/tasks/${task_uuid}`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "cancelled", paused: null });
  });

  it("lets an operator repair a step of a paused task, and dispatches the repaired step only on resume", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id);
    await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, {
      success: false,
      error: { message: "bad input", retryable: false },
    });
    await control(task_uuid, "pause");
    const repaired = await taskStub(task_uuid).applyStepAction(held.step_uuid, {
      action_type: "reset_for_retry",
      performed_by: "ops",
      reason: "input fixed",
    });
    expect(repaired.ok).toBe(true);
    expect(await stepRow(task_uuid, "held")).toMatchObject({ state: "pending" });
    expect((await taskStub(task_uuid).inspect()).task?.state).toBe("waiting_for_dependencies");
    await control(task_uuid, "resume");
    expect(await stepRow(task_uuid, "held")).toMatchObject({ state: "enqueued" });
  });

  it("answers 400 without a reason and 404 for an unknown task", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    await errorOf(await post(`/v1/tasks/${task_uuid}/pause`, {}), 400, "invalid_request");
    await errorOf(await post(`/v1/tasks/${crypto.randomUUID()}/pause`, { reason: "x" }), 404, "task_not_found");
  });
});
