// Completion webhooks: signed deliveries through the task's outbox, retried with backoff, recorded attempt by attempt.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WebhookDeliveries } from "../../src/client/types";
import { WEBHOOK_MAX_ATTEMPTS } from "../../src/engine/webhooks";
import { WEBHOOK_TIMER } from "../../src/task-object/webhook-store";
import { api, createFromYaml, demoTask, errorOf, hasStatus, heldMessage, submit, taskStub, waitForTask } from "./helpers";
import { webhooksSettled as settled, travel } from "./webhook-clock";

const SECRET = "whsec_test_only_secret";
const HOOK_URL = "https://hooks.example.com/tasker";

/** One request an endpoint received. */
interface Received {
  url: string;
  headers: Headers;
  body: string;
}

/** What the fake endpoint answers, in order; the last answer repeats. A thrown Error is a network failure. */
type Answer = number | Error;

let received: Received[] = [];
let answers: Answer[] = [];

beforeEach(() => {
  received = [];
  answers = [200];
  // The task object runs in this isolate: its outbound fetch is this fake endpoint.
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    received.push({ url: request.url, headers: request.headers, body: await request.text() });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer instanceof Error) throw answer;
    return new Response(null, { status: answer ?? 200 });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The receiver's check, exactly as docs/webhooks.md#verifying-a-delivery gives it. */
async function verifyTaskerSignature(secret: string, header: string, body: string, toleranceSeconds = 300): Promise<boolean> {
  const parts = new Map(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(parts.get("t"));
  const signature = parts.get("v1") ?? "";
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  const expected = new Uint8Array(signature.match(/../g)?.map((byte) => Number.parseInt(byte, 16)) ?? []);
  return crypto.subtle.verify("HMAC", key, expected, new TextEncoder().encode(`${timestamp}.${body}`));
}

function heldTemplate(webhooks: string): string {
  return `
name: hooked_${crypto.randomUUID().slice(0, 8).replace(/-/g, "")}
namespace_name: manual
version: 1.0.0
webhooks:
${webhooks}
steps:
  - name: only
    handler: { callable: EchoHandler }
    retry: { max_attempts: 1 }
`;
}

async function deliveriesOf(taskUuid: string): Promise<WebhookDeliveries> {
  const response = await api(`/v1/tasks/${taskUuid}/deliveries`);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

/** Runs the task's one step to the outcome, by hand (namespace `manual` has no consumer). */
async function finishStep(taskUuid: string, success: boolean): Promise<void> {
  const { step_uuid, dispatch_id } = await heldMessage(taskUuid, "only");
  const stub = taskStub(taskUuid);
  await stub.claim(step_uuid, dispatch_id);
  await stub.report(
    step_uuid,
    dispatch_id,
    success
      ? { success: true, result: { ok: true } }
      : { success: false, error: { message: "no", error_code: "nope", retryable: false } },
  );
  await settled(taskUuid);
}

async function webhookTimers(taskUuid: string): Promise<number> {
  return (await taskStub(taskUuid).inspect()).timers.filter((t) => t.kind === WEBHOOK_TIMER).length;
}

describe("webhook deliveries", () => {
  it("holds a retention purge while a delivery is pending, and purges once it is delivered", async () => {
    answers = [500, 200];
    const template = heldTemplate(`  - { url: "${HOOK_URL}", secret: WEBHOOK_SECRET_TEST }`).replace(
      "version: 1.0.0\n",
      "version: 1.0.0\nretention_days: 0\n",
    );
    const task = await createFromYaml(template);
    await finishStep(task.task_uuid, true);
    expect((await deliveriesOf(task.task_uuid)).deliveries[0]).toMatchObject({ status: "pending", attempts: 1 });

    // The purge is due at once (retention 0), but the delivery is still pending: the task stays.
    await runDurableObjectAlarm(env.TASKS.getByName(task.task_uuid));
    expect((await api(`/v1/tasks/${task.task_uuid}`)).status).toBe(200);

    await travel(task.task_uuid, 30_000);
    expect((await deliveriesOf(task.task_uuid)).deliveries[0]).toMatchObject({ status: "delivered", attempts: 2 });
    await travel(task.task_uuid, 60_000);
    await errorOf(await api(`/v1/tasks/${task.task_uuid}`), 404, "task_purged");
  });

  it("retries an endpoint that fails twice, then records it delivered, every attempt visible", async () => {
    answers = [500, new Error("connection reset"), 200];
    const task = await createFromYaml(heldTemplate(`  - { url: "${HOOK_URL}", secret: WEBHOOK_SECRET_TEST }`));
    await finishStep(task.task_uuid, true);

    let [delivery] = (await deliveriesOf(task.task_uuid)).deliveries;
    expect(delivery).toMatchObject({ event: "task.completed", status: "pending", attempts: 1, url: HOOK_URL });
    expect(delivery?.attempt_log[0]).toMatchObject({ attempt: 1, status_code: 500, outcome: "failed" });
    expect(await webhookTimers(task.task_uuid)).toBe(1);

    await travel(task.task_uuid, 30_000);
    [delivery] = (await deliveriesOf(task.task_uuid)).deliveries;
    expect(delivery?.attempt_log[1]).toMatchObject({ attempt: 2, status_code: null, outcome: "failed" });
    expect(delivery?.attempt_log[1]?.error).toContain("connection reset");

    await travel(task.task_uuid, 60_000);
    [delivery] = (await deliveriesOf(task.task_uuid)).deliveries;
    expect(delivery).toMatchObject({ status: "delivered", attempts: 3, next_attempt_at: null });
    expect(delivery?.attempt_log.map((a) => [a.status_code, a.outcome])).toEqual([
      [500, "failed"],
      [null, "failed"],
      [200, "delivered"],
    ]);
    expect(delivery?.finished_at).not.toBeNull();
    expect(await webhookTimers(task.task_uuid)).toBe(0);

    // Three requests, one delivery: the same id each time, so a receiver dedupes a repeat.
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers.get("Tasker-Delivery")))).toEqual(new Set([delivery?.delivery_id]));
    expect(received.map((r) => r.headers.get("Tasker-Attempt"))).toEqual(["1", "2", "3"]);
    expect(received.every((r) => r.headers.get("Tasker-Event") === "task.completed")).toBe(true);
  });

  it("signs each request so the documented recipe verifies it, and sends the task's summary, not its context", async () => {
    const task = await createFromYaml(heldTemplate(`  - { url: "${HOOK_URL}", secret: WEBHOOK_SECRET_TEST }`), {
      card_number: "4242",
    });
    await finishStep(task.task_uuid, true);
    const [request] = received;
    if (!request) throw new Error("no request received");
    const header = request.headers.get("Tasker-Signature") ?? "";
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifyTaskerSignature(SECRET, header, request.body)).toBe(true);
    expect(await verifyTaskerSignature("another secret", header, request.body)).toBe(false);
    expect(await verifyTaskerSignature(SECRET, header, request.body.replace("complete", "error"))).toBe(false);
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({
      id: request.headers.get("Tasker-Delivery"),
      type: "task.completed",
      task: {
        task_uuid: task.task_uuid,
        namespace: "manual",
        version: "1.0.0",
        status: "complete",
        correlation_id: task.correlation_id,
      },
    });
    expect(request.body).not.toContain("4242");
    expect(request.headers.get("Content-Type")).toBe("application/json");
  });

  it("gives a delivery up after its attempts are spent, with every attempt recorded and no timer left", async () => {
    answers = [503];
    const task = await createFromYaml(heldTemplate(`  - { url: "${HOOK_URL}", secret: WEBHOOK_SECRET_TEST }`));
    await finishStep(task.task_uuid, true);
    for (let i = 1; i < WEBHOOK_MAX_ATTEMPTS; i++) await travel(task.task_uuid, 60 * 60 * 1000);
    const [delivery] = (await deliveriesOf(task.task_uuid)).deliveries;
    expect(delivery).toMatchObject({ status: "failed", attempts: WEBHOOK_MAX_ATTEMPTS, next_attempt_at: null });
    expect(delivery?.attempt_log).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect(delivery?.attempt_log.every((a) => a.status_code === 503 && a.outcome === "failed")).toBe(true);
    expect(received).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect(await webhookTimers(task.task_uuid)).toBe(0);
    // A spent delivery is never tried again, whatever wakes the object.
    await travel(task.task_uuid, 60 * 60 * 1000);
    expect(received).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
  });

  it("calls each endpoint only for the events it chose", async () => {
    const task = await createFromYaml(
      heldTemplate(
        [
          `  - { url: "https://errors.example.com/hook", secret: WEBHOOK_SECRET_TEST, events: [task.errored] }`,
          `  - { url: "https://blocked.example.com/hook", secret: WEBHOOK_SECRET_TEST, events: [task.blocked, task.cancelled] }`,
        ].join("\n"),
      ),
    );
    await finishStep(task.task_uuid, false);
    expect(received.map((r) => [r.url, r.headers.get("Tasker-Event")])).toEqual([
      ["https://blocked.example.com/hook", "task.blocked"],
    ]);
    await taskStub(task.task_uuid).cancel("no longer needed");
    await settled(task.task_uuid);
    expect(received.map((r) => [r.url, r.headers.get("Tasker-Event")])).toEqual([
      ["https://blocked.example.com/hook", "task.blocked"],
      ["https://blocked.example.com/hook", "task.cancelled"],
    ]);
    expect((await deliveriesOf(task.task_uuid)).deliveries.map((d) => d.event)).toEqual(["task.cancelled", "task.blocked"]);
  });

  it("never follows a redirect: a 3xx is a failed attempt, retried like any other", async () => {
    answers = [302, 204];
    const task = await createFromYaml(heldTemplate(`  - { url: "${HOOK_URL}", secret: WEBHOOK_SECRET_TEST }`));
    await finishStep(task.task_uuid, true);
    await travel(task.task_uuid, 30_000);
    const [delivery] = (await deliveriesOf(task.task_uuid)).deliveries;
    expect(delivery?.attempt_log.map((a) => [a.status_code, a.outcome])).toEqual([
      [302, "failed"],
      [204, "delivered"],
    ]);
    expect(received.map((r) => r.url)).toEqual([HOOK_URL, HOOK_URL]);
  });

  it("records a secret the Worker lacks as a failed attempt that never leaves the Worker", async () => {
    const task = await createFromYaml(heldTemplate(`  - { url: "${HOOK_URL}", secret: WEBHOOK_SECRET_NEVER_SET }`));
    await finishStep(task.task_uuid, true);
    const [delivery] = (await deliveriesOf(task.task_uuid)).deliveries;
    expect(delivery).toMatchObject({ status: "pending", attempts: 1 });
    expect(delivery?.attempt_log[0]?.error).toBe("the Worker secret WEBHOOK_SECRET_NEVER_SET is not configured");
    expect(received).toHaveLength(0);
  });

  it("lists no deliveries for a task without webhooks, and 404 for an unknown task", async () => {
    const task = await createFromYaml(heldTemplate("  []"));
    await finishStep(task.task_uuid, true);
    expect((await deliveriesOf(task.task_uuid)).deliveries).toEqual([]);
    expect(received).toHaveLength(0);
    await errorOf(await api(`/v1/tasks/${crypto.randomUUID()}/deliveries`), 404, "task_not_found");
  });
});

describe("webhooks at submission", () => {
  async function post(body: unknown): Promise<Response> {
    return api("/v1/tasks", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  }

  it("refuses with 400 an endpoint whose secret the Worker does not have", async () => {
    const error = await errorOf(
      await post({ ...demoTask("slow_step"), webhooks: [{ url: HOOK_URL, secret: "WEBHOOK_SECRET_MISSING" }] }),
      400,
      "invalid_webhook",
    );
    expect(error.details).toEqual([{ path: "webhooks[0].secret", message: expect.stringContaining("WEBHOOK_SECRET_MISSING") }]);
  });

  it.each([
    ["http://hooks.example.com/x", "must use https"],
    ["https://10.1.2.3/x", "private"],
    ["https://[fd00::1]/x", "private"],
    ["https://169.254.169.254/latest", "private"],
    ["https://user:pw@hooks.example.com/x", "credentials"],
    ["https://intranet/x", "public host"],
    ["not a url", "absolute URL"],
  ])("refuses with 400 the endpoint %s", async (url, reason) => {
    const error = await errorOf(
      await post({ ...demoTask("slow_step"), webhooks: [{ url, secret: "WEBHOOK_SECRET_TEST" }] }),
      400,
      "invalid_webhook",
    );
    expect(error.details).toEqual([{ path: "webhooks[0].url", message: expect.stringContaining(reason) }]);
  });

  it("refuses a malformed secret name or an unknown event as an invalid request", async () => {
    await errorOf(
      await post({ ...demoTask("slow_step"), webhooks: [{ url: HOOK_URL, secret: "lower_case" }] }),
      400,
      "invalid_request",
    );
    await errorOf(
      await post({
        ...demoTask("slow_step"),
        webhooks: [{ url: HOOK_URL, secret: "WEBHOOK_SECRET_TEST", events: ["task.started"] }],
      }),
      400,
      "invalid_request",
    );
  });

  it("takes a loopback endpoint over http where TASKER_WEBHOOKS_ALLOW_LOOPBACK is on, and keeps only the secret's name", async () => {
    const task = await submit({
      ...demoTask("permanent_failure"),
      webhooks: [{ url: "http://127.0.0.1:8788/hooks", secret: "WEBHOOK_SECRET_TEST", events: ["task.blocked"] }],
    });
    // The task blocks at once; its delivery reaches this file's fake endpoint before the test ends.
    await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
    await settled(task.task_uuid);
    expect(received.map((r) => r.url)).toEqual(["http://127.0.0.1:8788/hooks"]);
    const stored = await runInDurableObject(
      env.TASKS.getByName(task.task_uuid),
      (_instance, state) =>
        state.storage.sql
          .exec<{ task: string }>("SELECT json_object('row', json(webhooks), 'template', json(template)) AS task FROM task")
          .one().task,
    );
    expect(stored).toContain("WEBHOOK_SECRET_TEST");
    expect(stored).not.toContain(SECRET);
  });
});

describe("webhooks at registration", () => {
  it("refuses with 400 a template naming a secret the Worker does not have, storing nothing", async () => {
    const name = `hooked_${crypto.randomUUID().slice(0, 8)}`;
    const yaml = heldTemplate(`  - { url: "${HOOK_URL}", secret: WEBHOOK_SECRET_MISSING }`)
      .replace(/name: hooked_\w+/, `name: ${name}`)
      .replace("namespace_name: manual", "namespace_name: registered");
    const path = `/v1/templates/registered/${name}/1.0.0`;
    const error = await errorOf(
      await api(path, { method: "PUT", headers: { "content-type": "application/yaml" }, body: yaml }),
      400,
      "invalid_webhook",
    );
    expect(error.details).toEqual([{ path: "webhooks[0].secret", message: expect.stringContaining("WEBHOOK_SECRET_MISSING") }]);
    await errorOf(await api(path), 404, "template_not_found");
  });
});
