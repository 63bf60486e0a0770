// tasker-edge/client against the real Worker: submit, wait, read steps and audits, errors, repair, templates, events, pause, schedules, health.
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createClient, TaskerApiError, TaskerTimeoutError } from "../../src/client";
import { createFromYaml, demoTask, HELD_TEMPLATE, seedOrder } from "./helpers";

const client = createClient({
  baseUrl: "http://tasker.test",
  fetch: (input, init) => exports.default.fetch(new Request(input, init)),
});

const seed = () => seedOrder();
const permanentFailure = demoTask("permanent_failure");

async function rejection(promise: Promise<unknown>): Promise<TaskerApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskerApiError);
  return error as TaskerApiError;
}

describe("tasker-edge/client", () => {
  it("submits the seed's short form, leaving namespace, version, source_system and reason to the server", async () => {
    const { context } = seed();
    const created = await client.createTask({ name: "order_fulfillment", initiator: "api:checkout", context });
    expect(created).toMatchObject({ namespace: "ecommerce", version: "1.0.0" });
    await client.waitForTask(created.task_uuid, { timeoutMs: 10_000, intervalMs: 20 });
  });

  it("creates the seed order, waits for it to complete, and reads its steps, audit and transitions", async () => {
    const created = await client.createTask(seed());
    const done = await client.waitForTask(created.task_uuid, { timeoutMs: 10_000, intervalMs: 20 });
    expect(created).toMatchObject({ name: "order_fulfillment", namespace: "ecommerce" });
    expect(done.status).toBe("complete");
    expect(done.completion_percentage).toBe(100);

    const steps = await client.listSteps(created.task_uuid);
    expect(steps.map((s) => s.name)).toEqual(["validate_order", "reserve_inventory", "charge_payment"]);
    expect(steps.every((s) => s.current_state === "complete")).toBe(true);
    const first = steps[0];
    if (!first) throw new Error("no steps");
    expect(await client.getStep(created.task_uuid, first.step_uuid)).toMatchObject({
      name: first.name,
      current_state: "complete",
    });
    const audit = await client.stepAudit(created.task_uuid, first.step_uuid);
    expect(audit.at(-1)).toMatchObject({ to_state: "complete" });
    const transitions = await client.taskTransitions(created.task_uuid);
    expect(transitions.at(-1)).toMatchObject({ to_state: "complete" });
  });

  it("surfaces a duplicate submission as TaskerApiError 409 duplicate_task with the existing task_uuid", async () => {
    const request = seed();
    const created = await client.createTask(request);
    const [duplicate] = await Promise.allSettled([
      client.createTask(request),
      client.waitForTask(created.task_uuid, { until: ["complete"], timeoutMs: 10_000, intervalMs: 20 }),
    ]);
    const error = duplicate.status === "rejected" ? duplicate.reason : undefined;
    expect(error).toBeInstanceOf(TaskerApiError);
    expect(error).toMatchObject({ status: 409, code: "duplicate_task", details: { task_uuid: created.task_uuid } });
  });

  it("surfaces an unknown task as 404 task_not_found, and a bad uuid as 400 invalid_uuid", async () => {
    const missing = await rejection(client.getTask(crypto.randomUUID()));
    expect(missing).toMatchObject({ status: 404, code: "task_not_found" });
    expect(missing.message).toContain("not found");
    expect(await rejection(client.getTask("not-a-uuid"))).toMatchObject({ status: 400, code: "invalid_uuid" });
  });

  it("repairs a permanent failure with completeStep and waits the task to complete", async () => {
    const created = await client.createTask(permanentFailure);
    const blocked = await client.waitForTask(created.task_uuid, { timeoutMs: 10_000, intervalMs: 20 });
    expect(blocked.status).toBe("blocked_by_failures");
    const failed = (await client.listSteps(created.task_uuid)).find((s) => s.name === "validate_input");
    if (!failed) throw new Error("no validate_input step");
    expect(failed.current_state).toBe("error");

    const notAllowed = await rejection(client.resetStep(created.task_uuid, crypto.randomUUID(), "x", "ops"));
    expect(notAllowed).toMatchObject({ status: 404, code: "step_not_found" });

    const step = await client.completeStep(
      created.task_uuid,
      failed.step_uuid,
      { result: { valid: true } },
      "validated by hand",
      "ops@example.com",
    );
    expect(step).toMatchObject({ current_state: "complete", results: { valid: true } });
    const done = await client.waitForTask(created.task_uuid, { until: ["complete"], timeoutMs: 10_000, intervalMs: 20 });
    expect(done.status).toBe("complete");
    const audit = await client.stepAudit(created.task_uuid, failed.step_uuid);
    expect(audit.at(-1)).toMatchObject({ event: "complete_manually", metadata: { performed_by: "ops@example.com" } });
  });

  it("gives up a blocked task, and refuses a task action on a finished one", async () => {
    const created = await client.createTask(permanentFailure);
    await client.waitForTask(created.task_uuid, { timeoutMs: 10_000, intervalMs: 20 });
    const ended = await client.giveUpTask(created.task_uuid, "customer cancelled", "ops");
    expect(ended.status).toBe("error");
    const refused = await rejection(client.resolveTask(created.task_uuid, "too late", "ops"));
    expect(refused).toMatchObject({ status: 409, code: "action_not_allowed", details: { current_state: "error" } });
  });

  it("times out waitForTask with TaskerTimeoutError when the status never comes", async () => {
    const created = await client.createTask(permanentFailure);
    await client.waitForTask(created.task_uuid, { timeoutMs: 10_000, intervalMs: 20 });
    const error = await client
      .waitForTask(created.task_uuid, { until: ["complete"], timeoutMs: 50, intervalMs: 10 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(TaskerTimeoutError);
    expect(error.lastTask?.status).toBe("blocked_by_failures");
    await client.resolveTask(created.task_uuid, "handled offline", "ops");
    expect((await client.getTask(created.task_uuid)).status).toBe("resolved_manually");
  });

  it("lists templates, filters them by namespace, and shows one", async () => {
    const all = await client.listTemplates();
    expect(all.total_count).toBe(all.templates.length);
    expect(all.templates.some((t) => t.namespace === "ecommerce" && t.name === "order_fulfillment")).toBe(true);
    const demo = await client.listTemplates("demo");
    expect(demo.templates.length).toBeGreaterThan(0);
    expect(demo.templates.every((t) => t.namespace === "demo")).toBe(true);
    const template = await client.getTemplate("ecommerce", "order_fulfillment", "1.0.0");
    expect(template).toMatchObject({ name: "order_fulfillment", namespace: "ecommerce", version: "1.0.0" });
    expect(template.steps.map((s) => s.name)).toEqual(["validate_order", "reserve_inventory", "charge_payment"]);
    expect(await rejection(client.getTemplate("ecommerce", "nope", "1.0.0"))).toMatchObject({
      status: 404,
      code: "template_not_found",
    });
  });

  it("registers and validates a YAML template, runs it, and finds the task with listTasks", async () => {
    const namespace = `cl_${crypto.randomUUID().slice(0, 8)}`;
    const yaml = `
name: hello
namespace_name: ${namespace}
version: 1.0.0
steps:
  - name: greet
    handler: { callable: EchoHandler }
`;
    expect(await client.validateTemplate(yaml)).toMatchObject({ valid: true, problems: [], template: { step_count: 1 } });
    const invalid = await client.validateTemplate({ name: "hello", namespace_name: namespace, version: "1.0.0", steps: [] });
    expect(invalid.valid).toBe(false);
    expect(invalid.problems.map((p) => p.path)).toContain("steps");

    const registered = await client.registerTemplate(namespace, "hello", "1.0.0", yaml);
    expect(registered).toMatchObject({ created: true, template: { origin: "registered", name: "hello" } });
    expect((await client.registerTemplate(namespace, "hello", "1.0.0", yaml)).created).toBe(false);
    const conflict = await rejection(client.registerTemplate(namespace, "hello", "1.0.0", yaml.replace("greet", "wave")));
    expect(conflict).toMatchObject({ status: 409, code: "template_version_exists" });

    const created = await client.createTask({
      name: "hello",
      namespace,
      version: "1.0.0",
      context: {},
      initiator: "client-test",
      source_system: "vitest",
      reason: "listTasks",
    });
    await client.waitForTask(created.task_uuid, { timeoutMs: 10_000, intervalMs: 20 });
    await vi.waitUntil(async () => (await client.listTasks({ namespace, status: "complete" })).tasks.length === 1, {
      timeout: 10_000,
      interval: 25,
    });
    const listed = await client.listTasks({ namespace, created_after: new Date(Date.parse(created.created_at)), per_page: 10 });
    expect(listed.tasks.map((t) => t.task_uuid)).toEqual([created.task_uuid]);
    expect(listed.pagination).toMatchObject({ page: 1, per_page: 10, total_count: 1 });
    expect(await rejection(client.listTasks({ per_page: 1_000 }))).toMatchObject({ status: 400, code: "invalid_query" });
  });

  it("reports health", async () => {
    expect(await client.health()).toMatchObject({ status: "healthy" });
  });

  it("sends an event to one task and routes one to every waiting task", async () => {
    const id = `C-${crypto.randomUUID().slice(0, 8)}`;
    const task = await createFromYaml(
      `
name: client_wait
namespace_name: manual
version: 1.0.0
steps:
  - name: wait
    handler: { callable: tasker.wait_for_event, initialization: { event: ping, match: { id: context.id } } }
`,
      { id },
    );
    const kept = await client.sendTaskEvent(task.task_uuid, { name: "ping", payload: { id: "other" } });
    expect(kept).toMatchObject({ status: "buffered", step_uuid: null });
    const routed = await client.sendEvent({ name: "ping", payload: { id }, event_id: `ping-${id}` });
    expect(routed.receipts).toEqual([
      expect.objectContaining({ task_uuid: task.task_uuid, status: "delivered", step_name: "wait" }),
    ]);
    expect((await client.sendTaskEvent(task.task_uuid, { name: "ping", event_id: `ping-${id}` })).status).toBe("duplicate");
    expect((await client.getTask(task.task_uuid)).status).toBe("complete");
  });

  it("pauses a task and resumes it, with the reason and who on the pause", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const paused = await client.pauseTask(task_uuid, { reason: "supplier outage", performed_by: "ops@example.com" });
    expect(paused.paused).toMatchObject({ reason: "supplier outage", performed_by: "ops@example.com" });
    expect((await client.resumeTask(task_uuid, { reason: "supplier back" })).paused).toBeNull();
    await client.cancelTask(task_uuid, "done with it");
    const refused = await rejection(client.pauseTask(task_uuid, { reason: "too late" }));
    expect([refused.status, refused.code]).toEqual([409, "task_already_terminal"]);
  });

  it("creates, lists, pauses, resumes, triggers and deletes a schedule", async () => {
    // On the `manual` queue, which nobody consumes: the triggered task stays in progress until cancelled.
    await client.registerTemplate(
      "manual",
      "client_report",
      "1.0.0",
      "name: client_report\nnamespace_name: manual\nversion: 1.0.0\nsteps:\n  - name: held\n    handler: { callable: EchoHandler }\n",
    );
    const created = await client.createSchedule({
      name: "client_hourly",
      namespace: "manual",
      template_name: "client_report",
      interval: "1h",
      overlap: "skip",
      context: { from: "client" },
    });
    expect(created).toMatchObject({ schedule_id: "manual.client_hourly", interval_seconds: 3600, paused: false, source: "api" });
    expect(
      (
        await rejection(
          client.createSchedule({ name: "client_hourly", namespace: "manual", template_name: "client_report", interval: "1h" }),
        )
      ).status,
    ).toBe(409);
    await vi.waitFor(
      async () =>
        expect(
          (await client.listSchedules({ namespace: "manual", source: "api" })).schedules.map((s) => s.schedule_id),
        ).toContain("manual.client_hourly"),
      { timeout: 5_000, interval: 20 },
    );
    expect((await client.pauseSchedule(created.schedule_id)).paused).toBe(true);
    const resumed = await client.resumeSchedule(created.schedule_id);
    expect(resumed).toMatchObject({ paused: false, paused_by: null });
    const fired = await client.triggerSchedule(created.schedule_id);
    expect(fired.outcome).toBe("started");
    expect((await client.getTask(fired.task_uuid as string)).context).toEqual({ from: "client" });
    expect((await client.triggerSchedule(created.schedule_id)).outcome).toBe("skipped");
    expect((await client.getSchedule(created.schedule_id)).recent_fires.map((f) => f.outcome)).toEqual(
      expect.arrayContaining(["started", "skipped"]),
    );
    await client.cancelTask(fired.task_uuid as string);
    expect(await client.deleteSchedule(created.schedule_id)).toEqual({ schedule_id: "manual.client_hourly", deleted: true });
    expect((await rejection(client.getSchedule(created.schedule_id))).status).toBe(404);
  });
});
