// The fault lab's webhook scenario: the process dies around a delivery; the outbox must still deliver it, at least once.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { taskObject } from "../../../src/task-object/client";
import type { AwaitPoint } from "../../../src/task-object/task-object";
import { WEBHOOK_TIMER } from "../../../src/task-object/webhook-store";
import { createFromYaml, heldMessage } from "../helpers";
import { travel } from "../webhook-clock";

/** Where the process dies: after the commit that wrote the delivery, before its request leaves, or after its answer came back unrecorded. */
export const WEBHOOK_CRASH_POINTS = ["after_commit", "before_webhook_send", "after_webhook_send"] as const satisfies AwaitPoint[];
export type WebhookCrashPoint = (typeof WEBHOOK_CRASH_POINTS)[number];

export interface WebhookCrashReport {
  /** Every broken invariant; empty when the scenario passed. */
  problems: string[];
  /** The delivery ids the endpoint received, in order (a repeat is the tolerated duplicate). */
  receivedIds: string[];
  /** The delivery's attempts' outcomes as the task lists them. */
  outcomes: string[];
}

const TEMPLATE = `
name: webhook_crash
namespace_name: manual
version: 1.0.0
webhooks:
  - { url: "https://hooks.example.com/crash", secret: WEBHOOK_SECRET_TEST }
steps:
  - name: only
    handler: { callable: EchoHandler }
`;

/**
 * Completes a task whose template has one webhook, with the process dying at `point`; then checks
 * what the dead process left durable (a pending delivery, its timer, an alarm no later than it),
 * restarts the object, lets its alarm run, and checks the delivery arrived and is recorded delivered.
 */
export async function runWebhookCrashScenario(point: WebhookCrashPoint): Promise<WebhookCrashReport> {
  const problems: string[] = [];
  const receivedIds: string[] = [];
  const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    receivedIds.push(new Request(input, init).headers.get("Tasker-Delivery") ?? "");
    return new Response(null, { status: 204 });
  });
  try {
    const task = await createFromYaml(TEMPLATE);
    const uuid = task.task_uuid;
    const stub = env.TASKS.getByName(uuid);
    const { step_uuid, dispatch_id } = await heldMessage(uuid, "only");
    await taskObject(env, uuid).claim(step_uuid, dispatch_id);
    let dead = false;
    await runInDurableObject(stub, (instance) => {
      instance.faultHook = (reached) => {
        if (dead) throw new Error(`fault lab: the process is dead (reached ${reached})`);
        if (reached !== point) return;
        dead = true;
        throw new Error(`fault lab: the process died at ${reached}`);
      };
    });
    await taskObject(env, uuid)
      .report(step_uuid, dispatch_id, { success: true, result: {} })
      .catch((error: unknown) => {
        if (!dead) throw error;
      });
    await runInDurableObject(stub, (instance) => instance.webhookSender.settled());
    if (!dead) problems.push(`the process never reached ${point}`);

    // What the dead process left durable, read before anything restarts the object.
    const left = await taskObject(env, uuid).inspect();
    const timer = left.timers.find((t) => t.kind === WEBHOOK_TIMER);
    if (!timer) problems.push(`died at ${point}: no webhook timer left for the pending delivery`);
    else if (left.alarm === null || left.alarm > timer.due_at) {
      problems.push(`died at ${point}: the alarm (${left.alarm}) does not fire by the webhook timer (${timer.due_at})`);
    }
    const before = receivedIds.length;
    await evictDurableObject(stub);

    // The restarted object's alarm sends what the dead one did not record (30 s: past any attempt's lease).
    await travel(uuid, 30_000);
    const deliveries = (await taskObject(env, uuid).listDeliveries()) as {
      ok: true;
      value: { status: string; delivery_id: string; attempt_log: { outcome: string }[] }[];
    };
    const [delivery] = deliveries.value;
    const outcomes = delivery?.attempt_log.map((a) => a.outcome) ?? [];
    if (delivery?.status !== "delivered") problems.push(`died at ${point}: the delivery ended ${delivery?.status ?? "missing"}`);
    if (receivedIds.length <= before) problems.push(`died at ${point}: nothing was sent after the restart`);
    if (new Set(receivedIds).size !== 1 || receivedIds[0] !== delivery?.delivery_id) {
      problems.push(`died at ${point}: the endpoint received ids ${receivedIds.join(", ")}, not one delivery's id`);
    }
    if (outcomes.at(-1) !== "delivered" || outcomes.slice(0, -1).some((o) => o !== "interrupted")) {
      problems.push(`died at ${point}: attempts recorded as ${outcomes.join(", ")}`);
    }
    // No second delivery once it is recorded: a later alarm sends nothing.
    const after = receivedIds.length;
    await travel(uuid, 60 * 60 * 1000);
    if (receivedIds.length !== after) problems.push(`died at ${point}: a recorded delivery was sent again`);
    return { problems, receivedIds, outcomes };
  } finally {
    fetchSpy.mockRestore();
  }
}
