import { describe, expect, it } from "vitest";
import { api, hasStatus, SEED_ORDER, seedOrder, submit, waitForTask } from "./helpers";

const post = (body: unknown) =>
  api("/v1/tasks", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("task identity", () => {
  it("refuses a duplicate strict submission with 409 and the existing task's uuid", async () => {
    const order = seedOrder();
    const first = await submit(order);
    const reordered = { ...order, context: { customer_email: order.context.customer_email, order_id: order.context.order_id } };
    const second = await post(reordered);
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({
      error: { code: "duplicate_task", details: { task_uuid: first.task_uuid } },
    });
    await waitForTask(first.task_uuid, hasStatus("complete"));
  });

  it("creates exactly one task from two concurrent identical submissions", async () => {
    const order = seedOrder();
    const [a, b] = await Promise.all([post(order), post(order)]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const created = (await (a.status === 201 ? a : b).json()) as { task_uuid: string };
    const refused = (await (a.status === 409 ? a : b).json()) as { error: { details: { task_uuid: string } } };
    expect(refused.error.details.task_uuid).toBe(created.task_uuid);
    await waitForTask(created.task_uuid, hasStatus("complete"));
  });

  it("lets an idempotency_key win: the same key is one task whatever the context", async () => {
    const first = await submit({ ...seedOrder(), idempotency_key: "checkout-7f3a" });
    const again = await post({ ...seedOrder(), idempotency_key: "checkout-7f3a" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { details: { task_uuid: string } } }).error.details.task_uuid).toBe(first.task_uuid);
    const other = await post({ ...SEED_ORDER, context: first.context, idempotency_key: "checkout-8b1c" });
    expect(other.status).toBe(201);
    await waitForTask(first.task_uuid, hasStatus("complete"));
    await waitForTask(((await other.json()) as { task_uuid: string }).task_uuid, hasStatus("complete"));
  });

  it("runs an always_unique template again and again", async () => {
    const demo = {
      name: "flaky_service",
      namespace: "demo",
      version: "1.0.0",
      context: {},
      initiator: "t",
      source_system: "t",
      reason: "t",
    };
    const runs = [await post(demo), await post(demo)];
    expect(runs.map((r) => r.status)).toEqual([201, 201]);
    const [a, b] = (await Promise.all(runs.map((r) => r.json()))) as { task_uuid: string }[];
    expect(a?.task_uuid).not.toBe(b?.task_uuid);
    for (const run of [a, b]) await waitForTask(run?.task_uuid ?? "", hasStatus("complete"));
  });
});
