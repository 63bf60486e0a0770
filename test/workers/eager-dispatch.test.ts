import { describe, expect, it } from "vitest";
import {
  advanceTimers,
  createFromYaml,
  HELD_TEMPLATE,
  hasStatus,
  heldMessage,
  SEED_ORDER,
  stepAudit,
  stepNamed,
  submit,
  taskStub,
  waitForTask,
} from "./helpers";

async function outboxRows(taskUuid: string): Promise<number> {
  return (await taskStub(taskUuid).inspect()).outbox.length;
}

describe("eager dispatch", () => {
  it("hands the steps a report makes ready to the reporting consumer, which runs them without a queue hop", async () => {
    const { task_uuid } = await submit({ ...SEED_ORDER, context: { ...SEED_ORDER.context, order_id: "ORD-EAGER" } });
    await waitForTask(task_uuid, hasStatus("complete"));
    const branches = await Promise.all(["reserve_inventory", "charge_payment"].map((name) => stepNamed(task_uuid, name)));
    for (const branch of branches) {
      const enqueue = (await stepAudit(task_uuid, branch.step_uuid)).find((t) => t.event === "enqueue");
      expect(enqueue?.metadata.eager).toBe(true);
    }
  });

  it("queues an eager step the reporter never claims once its short claim timeout passes", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    const stub = taskStub(task_uuid);
    await stub.claim(held.step_uuid, held.dispatch_id);
    const receipt = await stub.report(held.step_uuid, held.dispatch_id, { success: true, result: {} }, { eager_limit: 1 });
    const next = await heldMessage(task_uuid, "after_held");
    expect(receipt.eager).toEqual([{ task_uuid, step_uuid: next.step_uuid, attempt: 1, dispatch_id: next.dispatch_id }]);
    expect(await outboxRows(task_uuid)).toBe(0); // not queued: the reporter was meant to run it
    await advanceTimers(task_uuid, 10_000); // the reporter died before claiming it
    expect(await outboxRows(task_uuid)).toBe(0); // the claim timeout queued it (sent, so the row is gone)
    expect(await heldMessage(task_uuid, "after_held")).toEqual(next);
    expect(await stub.claim(next.step_uuid, next.dispatch_id)).not.toBeNull();
  });

  it("hands out at most 16 eager steps per report, queueing the rest", async () => {
    const fanOut = `
name: wide
namespace_name: manual
version: 1.0.0
steps:
  - name: root
    handler: { callable: EchoHandler }
${Array.from({ length: 20 }, (_, i) => `  - name: leaf_${i}\n    handler: { callable: EchoHandler }\n    dependencies: [root]`).join("\n")}
`;
    const { task_uuid } = await createFromYaml(fanOut);
    const root = await heldMessage(task_uuid, "root");
    await taskStub(task_uuid).claim(root.step_uuid, root.dispatch_id);
    const receipt = await taskStub(task_uuid).report(
      root.step_uuid,
      root.dispatch_id,
      { success: true, result: {} },
      { eager_limit: 100 },
    );
    expect(receipt.eager).toHaveLength(16);
  });
});

describe("eager start", () => {
  it("runs a new task's first step in the Worker that created it, without a queue message", async () => {
    const { task_uuid } = await submit({ ...SEED_ORDER, context: { ...SEED_ORDER.context, order_id: "ORD-EAGER-START" } });
    await waitForTask(task_uuid, hasStatus("complete"));
    const first = await stepNamed(task_uuid, "validate_order");
    const enqueue = (await stepAudit(task_uuid, first.step_uuid)).find((t) => t.event === "enqueue");
    expect(enqueue?.metadata.eager).toBe(true);
    expect(first.attempts).toBe(1);
  });

  it("leaves the first steps of a namespace with a queue of its own (a handler bundle) to that queue", async () => {
    const { task_uuid } = await submit({
      name: "invoice_run",
      namespace: "billing",
      version: "1.0.0",
      context: {
        account_id: `ACC-${crypto.randomUUID().slice(0, 8)}`,
        period: "2026-11",
        usage: [{ sku: "seats", quantity: 1 }],
      },
      initiator: "test",
      source_system: "vitest",
      reason: "eager start stays out of other queues",
    });
    const first = await stepNamed(task_uuid, "load_account");
    const enqueue = (await stepAudit(task_uuid, first.step_uuid)).find((t) => t.event === "enqueue");
    expect(enqueue?.metadata).toEqual({ dispatch_id: expect.any(String) });
    await waitForTask(task_uuid, hasStatus("complete", "blocked_by_failures"));
  });
});
