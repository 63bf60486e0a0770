// Sleep and wait-for-event steps: timers in the object, events through the API, buffering, duplicates, races and scope.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { INDEX_FLUSH_TIMER } from "../../src/task-object/task-index-effect";
import type { TaskView } from "../../src/task-object/views";
import { app } from "./dev-orchestrator";
import { advanceTimers, api, createFromYaml, heldMessage, stepAudit, stepNamed, taskStub, waitForStep } from "./helpers";

const DAY = 86_400_000;

const post = (path: string, body: unknown) =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const patch = (path: string, body: unknown) =>
  api(path, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function sendToTask(taskUuid: string, body: unknown) {
  const response = await post(`/v1/tasks/${taskUuid}/events`, body);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as { status: string; step_name: string | null; event_id: string };
}

/** A sleep, then a step on the unconsumed `manual` queue (it stays enqueued: the test only needs to see it released). */
const SLEEP_TEMPLATE = (sleep: string) => `
name: sleeper
namespace_name: manual
version: 1.0.0
steps:
  - name: nap
    handler: { callable: tasker.sleep, initialization: ${sleep} }
  - name: after_nap
    handler: { callable: EchoHandler }
    dependencies: [nap]
`;

/** Waits for a manager's decision on this expense; optionally after a held step, with a timeout. */
const WAIT_TEMPLATE = ({ before = false, onTimeout = "fail" }: { before?: boolean; onTimeout?: "fail" | "complete" } = {}) => `
name: approval_wait
namespace_name: manual
version: 1.0.0
steps:
${before ? "  - name: held\n    handler: { callable: EchoHandler }\n" : ""}  - name: decision
    handler:
      callable: tasker.wait_for_event
      initialization:
        event: manager_decision
        match: { expense_id: context.expense_id }
        timeout: 3d
        on_timeout: ${onTimeout}
${onTimeout === "complete" ? "        timeout_result: { approved: false, escalated: true }\n" : ""}${before ? "    dependencies: [held]\n" : ""}  - name: after_decision
    handler: { callable: EchoHandler }
    dependencies: [decision]
`;

async function timersOf(taskUuid: string) {
  return (await taskStub(taskUuid).inspect()).timers;
}

describe("sleep steps", () => {
  it("sleep for a duration: no message, one timer; the view shows when it wakes; the alarm wakes it and releases its dependents", async () => {
    const before = Date.now();
    const task = await createFromYaml(SLEEP_TEMPLATE("{ duration: 2d }"));
    const nap = await stepNamed(task.task_uuid, "nap");
    expect(nap.current_state).toBe("in_progress");
    expect(nap.waiting?.kind).toBe("sleep");
    const wakesAt = Date.parse((nap.waiting as { wakes_at: string }).wakes_at);
    expect(wakesAt).toBeGreaterThanOrEqual(before + 2 * DAY);
    expect(wakesAt).toBeLessThanOrEqual(Date.now() + 2 * DAY);
    const inspected = await taskStub(task.task_uuid).inspect();
    expect(inspected.outbox).toEqual([]);
    // Beside it, at most the new task's held index write (task-index-effect.ts, INDEX_SETTLE_MS).
    expect(inspected.timers.map((t) => t.kind).filter((kind) => kind !== INDEX_FLUSH_TIMER)).toEqual(["sleep_wake"]);

    expect(await advanceTimers(task.task_uuid, DAY)).toBe(true);
    expect((await stepNamed(task.task_uuid, "nap")).current_state).toBe("in_progress");
    await advanceTimers(task.task_uuid, DAY);
    const woke = await stepNamed(task.task_uuid, "nap");
    expect(woke.current_state).toBe("complete");
    expect(woke.waiting).toBeNull();
    expect(woke.results).toMatchObject({ woke_at: expect.any(String) });
    expect((await stepNamed(task.task_uuid, "after_nap")).current_state).toBe("enqueued");
    const audit = await stepAudit(task.task_uuid, nap.step_uuid);
    expect(audit.map((t) => t.event)).toEqual(["create", "enqueue", "start", "enqueue_for_orchestration", "complete"]);
    expect(audit[2]?.metadata).toMatchObject({ sleeps_until: new Date(wakesAt).toISOString() });
    expect(audit[3]?.metadata).toMatchObject({ woke: "timer" });
  });

  it("sleep until an instant read from the context, across an eviction of the object", async () => {
    const shipDate = new Date(Date.now() + 6 * 3_600_000).toISOString();
    const task = await createFromYaml(SLEEP_TEMPLATE("{ until: context.ship_date }"), { ship_date: shipDate });
    expect((await stepNamed(task.task_uuid, "nap")).waiting).toEqual({ kind: "sleep", wakes_at: shipDate });
    await evictDurableObject(env.TASKS.getByName(task.task_uuid));
    // The restarted object finds its timer and an alarm by then: time passes, the alarm fires, the step wakes.
    const { alarm } = await taskStub(task.task_uuid).inspect();
    expect(alarm).not.toBeNull();
    expect(alarm).toBeLessThanOrEqual(Date.parse(shipDate));
    await advanceTimers(task.task_uuid, 6 * 3_600_000);
    expect((await stepNamed(task.task_uuid, "nap")).current_state).toBe("complete");
  });

  it("a wake-up timer that fires twice wakes the step once", async () => {
    const task = await createFromYaml(SLEEP_TEMPLATE("{ duration: 1h }"));
    await runInDurableObject(env.TASKS.getByName(task.task_uuid), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO timers (due_at, kind, step_uuid, dispatch_id) SELECT due_at, kind, step_uuid, dispatch_id FROM timers",
      );
    });
    expect((await timersOf(task.task_uuid)).filter((t) => t.kind === "sleep_wake").length).toBe(2);
    await advanceTimers(task.task_uuid, 3_600_000);
    await runDurableObjectAlarm(env.TASKS.getByName(task.task_uuid));
    const nap = await stepNamed(task.task_uuid, "nap");
    const audit = await stepAudit(task.task_uuid, nap.step_uuid);
    expect(audit.filter((t) => t.event === "complete")).toHaveLength(1);
    expect((await timersOf(task.task_uuid)).filter((t) => t.step_uuid === nap.step_uuid)).toEqual([]);
  });

  it("an operator wakes a sleeping step early with complete_manually; its timer goes and the audit names them", async () => {
    const task = await createFromYaml(SLEEP_TEMPLATE("{ duration: 30d }"));
    const nap = await stepNamed(task.task_uuid, "nap");
    const response = await patch(`/v1/tasks/${task.task_uuid}/workflow_steps/${nap.step_uuid}`, {
      action_type: "complete_manually",
      completion_data: { result: { woken_early: true } },
      reason: "the warehouse is ready",
      completed_by: "ops@example.com",
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({ current_state: "complete", results: { woken_early: true }, waiting: null });
    expect((await timersOf(task.task_uuid)).filter((t) => t.step_uuid === nap.step_uuid)).toEqual([]);
    expect((await stepNamed(task.task_uuid, "after_nap")).current_state).toBe("enqueued");
    const audit = await stepAudit(task.task_uuid, nap.step_uuid);
    expect(audit.at(-1)).toMatchObject({ event: "complete_manually", from_state: "in_progress", actor: { name: "anonymous" } });
  });

  it("a sleep whose instant cannot be read fails the step with invalid_wait instead of sleeping for ever", async () => {
    const task = await createFromYaml(SLEEP_TEMPLATE("{ until: context.ship_date }"), { ship_date: "next tuesday" });
    const nap = await stepNamed(task.task_uuid, "nap");
    expect(nap.current_state).toBe("error");
    expect(nap.last_error).toMatchObject({ error_code: "invalid_wait" });
    expect((await taskStub(task.task_uuid).getTask()).ok && (await taskStub(task.task_uuid).inspect()).task?.state).toBe(
      "blocked_by_failures",
    );
  });
});

describe("wait-for-event steps", () => {
  it("an event to the task with the matching field completes the step with its payload; dependents read it", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE(), { expense_id: "EXP-1" });
    const decision = await stepNamed(task.task_uuid, "decision");
    expect(decision.current_state).toBe("in_progress");
    expect(decision.waiting).toMatchObject({ kind: "event", event: "manager_decision", match: { expense_id: "EXP-1" } });
    expect((await timersOf(task.task_uuid)).map((t) => t.kind)).toEqual(["event_timeout"]);

    const other = await sendToTask(task.task_uuid, {
      name: "manager_decision",
      payload: { expense_id: "EXP-2", approved: true },
    });
    expect(other.status).toBe("buffered");
    expect((await stepNamed(task.task_uuid, "decision")).current_state).toBe("in_progress");

    const receipt = await sendToTask(task.task_uuid, {
      name: "manager_decision",
      payload: { expense_id: "EXP-1", approved: true },
      event_id: "decision-1",
    });
    expect(receipt).toMatchObject({ status: "delivered", step_name: "decision", event_id: "decision-1" });
    const done = await stepNamed(task.task_uuid, "decision");
    expect(done.current_state).toBe("complete");
    expect(done.results).toEqual({ expense_id: "EXP-1", approved: true });
    expect((await timersOf(task.task_uuid)).filter((t) => t.step_uuid === decision.step_uuid)).toEqual([]);
    expect((await stepNamed(task.task_uuid, "after_decision")).current_state).toBe("enqueued");
    const audit = await stepAudit(task.task_uuid, decision.step_uuid);
    expect(audit.find((t) => t.event === "start")?.metadata).toMatchObject({ waits_for_event: "manager_decision" });
    expect(audit.find((t) => t.event === "enqueue_for_orchestration")).toMatchObject({
      actor: { name: "anonymous" },
      metadata: { event: "manager_decision", event_id: "decision-1" },
    });
  });

  it("a paused task still takes an event for its waiting step; the dependents wait for the resume", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE(), { expense_id: "EXP-P" });
    const control = { reason: "audit in progress", performed_by: "ops" };
    expect((await post(`/v1/tasks/${task.task_uuid}/pause`, control)).status).toBe(200);

    const receipt = await sendToTask(task.task_uuid, { name: "manager_decision", payload: { expense_id: "EXP-P" } });
    expect(receipt).toMatchObject({ status: "delivered", step_name: "decision" });
    expect((await stepNamed(task.task_uuid, "decision")).current_state).toBe("complete");
    expect((await stepNamed(task.task_uuid, "after_decision")).current_state).toBe("pending");

    expect((await post(`/v1/tasks/${task.task_uuid}/resume`, control)).status).toBe(200);
    expect((await stepNamed(task.task_uuid, "after_decision")).current_state).toBe("enqueued");
  });

  it("a duplicate event (same id, or the same content without one) is applied once", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE({ before: true }), { expense_id: "EXP-3" });
    const event = { name: "manager_decision", payload: { expense_id: "EXP-3", approved: true } };
    expect((await sendToTask(task.task_uuid, event)).status).toBe("buffered");
    expect((await sendToTask(task.task_uuid, { payload: event.payload, name: event.name })).status).toBe("duplicate");
    const withId = { ...event, event_id: "same-id", payload: { expense_id: "EXP-3", approved: false } };
    expect((await sendToTask(task.task_uuid, withId)).status).toBe("buffered");
    expect((await sendToTask(task.task_uuid, withId)).status).toBe("duplicate");
    const events = await runInDurableObject(env.TASKS.getByName(task.task_uuid), (_i, state) =>
      state.storage.sql.exec("SELECT event_id FROM events").toArray(),
    );
    expect(events).toHaveLength(2);
  });

  it("an event that arrives before the step waits is kept, and taken the moment the wait starts", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE({ before: true }), { expense_id: "EXP-4" });
    const early = await sendToTask(task.task_uuid, {
      name: "manager_decision",
      payload: { expense_id: "EXP-4", approved: true },
      event_id: "early",
    });
    expect(early).toMatchObject({ status: "buffered", step_name: null });
    expect((await stepNamed(task.task_uuid, "decision")).current_state).toBe("pending");
    const held = await heldMessage(task.task_uuid, "held");
    const stub = taskStub(task.task_uuid);
    await stub.claim(held.step_uuid, held.dispatch_id);
    await stub.report(held.step_uuid, held.dispatch_id, { success: true, result: {} });
    const decision = await stepNamed(task.task_uuid, "decision");
    expect(decision.current_state).toBe("complete");
    expect(decision.results).toEqual({ expense_id: "EXP-4", approved: true });
    const audit = await stepAudit(task.task_uuid, decision.step_uuid);
    expect(audit.find((t) => t.event === "enqueue_for_orchestration")?.metadata).toMatchObject({
      event_id: "early",
      buffered: true,
    });
    expect((await timersOf(task.task_uuid)).filter((t) => t.step_uuid === decision.step_uuid)).toEqual([]);
    // Taken, it is still remembered: the same event again is a duplicate, not a second decision.
    expect((await sendToTask(task.task_uuid, { name: "manager_decision", payload: {}, event_id: "early" })).status).toBe(
      "duplicate",
    );
  });

  it("event first, then the timeout's timer fires: the timer changes nothing", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE(), { expense_id: "EXP-5" });
    const timer = (await timersOf(task.task_uuid))[0];
    await sendToTask(task.task_uuid, { name: "manager_decision", payload: { expense_id: "EXP-5", approved: true } });
    // The timer row as the alarm may still find it (a delivery racing the deletion): put back, then fired.
    await runInDurableObject(env.TASKS.getByName(task.task_uuid), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO timers (due_at, kind, step_uuid, dispatch_id) VALUES (?, ?, ?, ?)",
        Date.now() - 1,
        timer?.kind ?? "",
        timer?.step_uuid ?? "",
        timer?.dispatch_id ?? "",
      );
    });
    await runDurableObjectAlarm(env.TASKS.getByName(task.task_uuid));
    const decision = await stepNamed(task.task_uuid, "decision");
    expect(decision.current_state).toBe("complete");
    expect(decision.results).toMatchObject({ approved: true });
    expect(decision.last_error).toBeNull();
  });

  it("timeout first, then the event: the step failed with event_timeout and the late event is only kept", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE(), { expense_id: "EXP-6" });
    await advanceTimers(task.task_uuid, 3 * DAY);
    const decision = await stepNamed(task.task_uuid, "decision");
    expect(decision.current_state).toBe("error");
    expect(decision.last_error).toMatchObject({ error_code: "event_timeout", retryable: false });
    const late = await sendToTask(task.task_uuid, { name: "manager_decision", payload: { expense_id: "EXP-6", approved: true } });
    expect(late.status).toBe("buffered");
    expect((await stepNamed(task.task_uuid, "decision")).current_state).toBe("error");
    // An operator retries the step: the new wait takes the event that came late.
    const reset = await patch(`/v1/tasks/${task.task_uuid}/workflow_steps/${decision.step_uuid}`, {
      action_type: "reset_for_retry",
      reason: "the manager answered late",
      reset_by: "ops@example.com",
    });
    expect(reset.status).toBe(200);
    expect((await stepNamed(task.task_uuid, "decision")).results).toEqual({ expense_id: "EXP-6", approved: true });
  });

  it("a timeout with on_timeout: complete completes the step with timeout_result", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE({ onTimeout: "complete" }), { expense_id: "EXP-7" });
    await advanceTimers(task.task_uuid, 3 * DAY);
    const decision = await stepNamed(task.task_uuid, "decision");
    expect(decision.current_state).toBe("complete");
    expect(decision.results).toEqual({ approved: false, escalated: true });
    const audit = await stepAudit(task.task_uuid, decision.step_uuid);
    expect(audit.find((t) => t.event === "enqueue_for_orchestration")?.metadata).toMatchObject({ timed_out: true });
  });

  it("an event for a finished task is refused with 409; an unknown task is 404", async () => {
    const task = await createFromYaml(WAIT_TEMPLATE(), { expense_id: "EXP-8" });
    await api(`/v1/tasks/${task.task_uuid}`, { method: "DELETE" });
    const finished = await post(`/v1/tasks/${task.task_uuid}/events`, { name: "manager_decision", payload: {} });
    expect(finished.status).toBe(409);
    const unknown = await post(`/v1/tasks/${crypto.randomUUID()}/events`, { name: "manager_decision", payload: {} });
    expect(unknown.status).toBe(404);
  });
});

describe("POST /v1/events", () => {
  async function route(body: unknown) {
    const response = await post("/v1/events", body);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as { receipts: { task_uuid: string; status: string }[]; truncated: boolean };
  }

  it("reaches exactly the tasks whose step waits for this event with these match values, through the event index", async () => {
    const id = crypto.randomUUID().slice(0, 8);
    const a = await createFromYaml(WAIT_TEMPLATE(), { expense_id: `A-${id}` });
    const b = await createFromYaml(WAIT_TEMPLATE(), { expense_id: `B-${id}` });
    const routed = await route({ name: "manager_decision", payload: { expense_id: `A-${id}`, approved: true } });
    expect(routed.receipts).toEqual([expect.objectContaining({ task_uuid: a.task_uuid, status: "delivered" })]);
    expect((await stepNamed(a.task_uuid, "decision")).current_state).toBe("complete");
    expect((await stepNamed(b.task_uuid, "decision")).current_state).toBe("in_progress");
    // A's wait left the index with its step: the same match finds nobody now.
    const again = await route({ name: "manager_decision", payload: { expense_id: `A-${id}`, approved: false } });
    expect(again.receipts).toEqual([]);
  });

  it("by correlation_id reaches the task even before its step waits; the task keeps the event", async () => {
    const correlation = `corr-${crypto.randomUUID()}`;
    const task = await createFromYaml(WAIT_TEMPLATE({ before: true }), { expense_id: "EXP-9" });
    await runInDurableObject(env.TASKS.getByName(task.task_uuid), (_i, state) => {
      state.storage.sql.exec("UPDATE task SET correlation_id = ?", correlation);
    });
    await env.TASKER_DB.prepare("UPDATE task_index SET correlation_id = ? WHERE task_uuid = ?")
      .bind(correlation, task.task_uuid)
      .run();
    const routed = await route({
      name: "manager_decision",
      payload: { expense_id: "EXP-9", approved: true },
      correlation_id: correlation,
    });
    expect(routed.receipts).toEqual([expect.objectContaining({ task_uuid: task.task_uuid, status: "buffered" })]);
  });
});

describe("events and namespace scope", () => {
  const keyOf = (name: string) => `key-${name}-0123456789abcdef`;
  const authEnv = {
    ...env,
    TASKER_API_KEYS: JSON.stringify([
      { name: "elsewhere", key: keyOf("elsewhere"), permissions: ["*"], namespaces: ["scope_a"] },
      { name: "no-events", key: keyOf("no-events"), permissions: ["tasks:*", "steps:*"] },
      { name: "sender", key: keyOf("sender"), permissions: ["events:send"], namespaces: ["manual"] },
    ]),
  } as Env;
  const as = (key: string, path: string, body: unknown) =>
    app.request(
      `http://tasker.test${path}`,
      { method: "POST", headers: { "x-api-key": keyOf(key), "content-type": "application/json" }, body: JSON.stringify(body) },
      authEnv,
    );

  it("an event never reaches a task outside the caller's namespaces, and the answers do not reveal it", async () => {
    const id = `S-${crypto.randomUUID().slice(0, 8)}`;
    const task: TaskView = await createFromYaml(WAIT_TEMPLATE(), { expense_id: id });
    const event = { name: "manager_decision", payload: { expense_id: id, approved: true } };
    const direct = await as("elsewhere", `/v1/tasks/${task.task_uuid}/events`, event);
    expect(direct.status).toBe(404);
    const broadcast = await as("elsewhere", "/v1/events", event);
    expect(broadcast.status).toBe(200);
    expect(((await broadcast.json()) as { receipts: unknown[] }).receipts).toEqual([]);
    expect((await stepNamed(task.task_uuid, "decision")).current_state).toBe("in_progress");

    expect((await as("no-events", "/v1/events", event)).status).toBe(403);
    const allowed = await as("sender", "/v1/events", event);
    expect(((await allowed.json()) as { receipts: { task_uuid: string }[] }).receipts).toEqual([
      expect.objectContaining({ task_uuid: task.task_uuid, status: "delivered" }),
    ]);
    await waitForStep(task.task_uuid, "decision", (s) => s.current_state === "complete");
  });
});
