import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/engine/ids";
import type { TaskObjectRpc } from "../../src/engine/protocol";
import { DEADLINE_GRACE_MS } from "../../src/engine/task-run";
import { parseTemplate } from "../../src/templates/loader";
import { createStepConsumer, HandlerRegistry, type StepContext, StepHandler } from "../../src/worker";
import {
  advanceTimers,
  createFromYaml,
  HELD_TEMPLATE,
  hasStatus,
  heldMessage,
  newTaskInput,
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

/** A held-steps task whose first step is claimed and reported with `claim_eager`: the report claims `after_held`. */
async function reportHeldClaimingNext(result: Record<string, unknown>) {
  const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
  const held = await heldMessage(task_uuid, "held");
  const stub = taskStub(task_uuid);
  await stub.claim(held.step_uuid, held.dispatch_id);
  const receipt = await stub.report(
    held.step_uuid,
    held.dispatch_id,
    { success: true, result },
    { eager_limit: 1, claim_eager: true },
  );
  return { task_uuid, stub, receipt };
}

/** Three steps in a row on the unconsumed `manual` queue: the test's own consumer runs them. */
const CHAIN3 = `
name: chain_of_three
namespace_name: manual
version: 1.0.0
steps:
  - name: first
    handler: { callable: EchoHandler }
  - name: second
    handler: { callable: EchoHandler }
    dependencies: [first]
  - name: third
    handler: { callable: EchoHandler }
    dependencies: [second]
`;

/** Stands in for the example EchoHandler: returns what it read, so a step's inputs show in its result. */
class CountingEcho extends StepHandler {
  static override handlerName = "EchoHandler";
  async call(context: StepContext) {
    return { step: context.stepName, attempt: context.attempt };
  }
}

/** The task namespace as a consumer sees it, with every claim and report RPC written down in order. */
function countingNamespace(calls: string[]) {
  return {
    getByName(name: string): TaskObjectRpc {
      const stub = env.TASKS.getByName(name);
      return {
        claim: (stepUuid, dispatchId) => {
          calls.push("claim");
          return stub.claim(stepUuid, dispatchId);
        },
        claimMany: (items) => {
          calls.push("claimMany");
          return stub.claimMany(items);
        },
        report: (stepUuid, dispatchId, outcome, options) => {
          calls.push(options?.claim_eager ? "report+claim" : "report");
          return stub.report(stepUuid, dispatchId, outcome, options);
        },
        reportMany: (items) => {
          calls.push(`reportMany(${items.length})`);
          return stub.reportMany(items);
        },
      };
    },
  };
}

/** Delivers one held step's message to a consumer that runs EchoHandler steps through `namespace`. */
async function deliverHeld(taskUuid: string, stepName: string, namespace: object): Promise<void> {
  const held = await heldMessage(taskUuid, stepName);
  const batch = createMessageBatch("tasker-steps-manual", [
    { id: "m-1", timestamp: new Date(), attempts: 1, body: { task_uuid: taskUuid, attempt: 1, ...held } },
  ]);
  const ctx = createExecutionContext();
  await createStepConsumer(new HandlerRegistry().register(CountingEcho))(batch, { TASKS: namespace }, ctx);
  expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m-1"]);
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

  it("runs a chain with one RPC per step: each report hands back the next step already claimed", async () => {
    const { task_uuid } = await createFromYaml(CHAIN3);
    const calls: string[] = [];
    await deliverHeld(task_uuid, "first", countingNamespace(calls));
    // The queue message's step is claimed; every later step arrives claimed with its parent's report.
    expect(calls).toEqual(["claim", "report+claim", "report+claim", "report+claim"]);
    const { task, steps, stepTransitions } = await taskStub(task_uuid).inspect();
    expect(task?.state).toBe("complete");
    for (const name of ["second", "third"]) {
      const step = steps.find((s) => s.name === name);
      expect(step?.attempts).toBe(1);
      const start = (await stepAudit(task_uuid, step?.step_uuid ?? "")).find((t) => t.event === "start");
      expect(start?.metadata).toEqual({ dispatch_id: step?.dispatch_id, attempt: 1, eager: true, handed_by: "report" });
      // Each step still walks every transition of the step machine, in one audit.
      expect(stepTransitions.filter((t) => t.step_uuid === step?.step_uuid).map((t) => t.event)).toEqual([
        "create",
        "enqueue",
        "start",
        "enqueue_for_orchestration",
        "complete",
      ]);
    }
  });

  it("claims the steps a report makes ready in the same transaction when the reporter asks (claim_eager)", async () => {
    const { task_uuid, stub, receipt } = await reportHeldClaimingNext({ from: "held" });
    expect(receipt.eager).toBeUndefined();
    expect(receipt.claimed).toHaveLength(1);
    const [handed] = receipt.claimed ?? [];
    const { steps, timers } = await stub.inspect();
    const next = steps.find((s) => s.name === "after_held");
    expect(next).toMatchObject({ state: "in_progress", attempts: 1 });
    expect(handed).toMatchObject({ task_uuid, step_uuid: next?.step_uuid, attempt: 1, dispatch_id: next?.dispatch_id });
    expect(handed?.claimed.step).toMatchObject({ name: "after_held", attempt: 1, callable: "EchoHandler" });
    expect(handed?.claimed.dependency_results).toEqual({ held: { from: "held" } });
    // Its lease is its deadline, as after a claim; no claim timeout, and nothing queued.
    expect(timers.filter((t) => t.step_uuid === next?.step_uuid).map((t) => t.kind)).toEqual(["deadline"]);
    expect(await outboxRows(task_uuid)).toBe(0);
    // A claim of the same dispatch is refused: the step is already claimed, for the reporter.
    expect(await stub.claim(handed?.step_uuid ?? "", handed?.dispatch_id ?? "")).toBeNull();
    const second = await stub.report(handed?.step_uuid ?? "", handed?.dispatch_id ?? "", { success: true, result: {} });
    expect(second).toEqual({ accepted: true, step_state: "complete" });
  });

  it("recovers a step claimed for a reporter that dropped the answer at its deadline, counting the attempt", async () => {
    const { task_uuid, stub, receipt } = await reportHeldClaimingNext({});
    const [lost] = receipt.claimed ?? []; // the consumer died with this answer
    // The default step timeout is 30 s: its deadline comes with the grace, not after a claim timeout.
    await advanceTimers(task_uuid, 30_000 + DEADLINE_GRACE_MS);
    const after = (await stub.inspect()).steps.find((s) => s.step_uuid === lost?.step_uuid);
    expect(after).toMatchObject({ state: "waiting_for_retry", attempts: 1 });
    const events = (await stepAudit(task_uuid, lost?.step_uuid ?? "")).map((t) => [t.event, t.metadata.error_code]);
    expect(events).toContainEqual(["enqueue_as_error_for_orchestration", "timeout"]);
    // The lost dispatch's late report changes nothing.
    expect((await stub.report(lost?.step_uuid ?? "", lost?.dispatch_id ?? "", { success: true, result: {} })).accepted).toBe(
      false,
    );
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
  it("runs a new task's first step in the Worker that created it, without a queue message or a claim", async () => {
    const { task_uuid } = await submit({ ...SEED_ORDER, context: { ...SEED_ORDER.context, order_id: "ORD-EAGER-START" } });
    await waitForTask(task_uuid, hasStatus("complete"));
    const first = await stepNamed(task_uuid, "validate_order");
    const audit = await stepAudit(task_uuid, first.step_uuid);
    expect(audit.find((t) => t.event === "enqueue")?.metadata.eager).toBe(true);
    expect(audit.find((t) => t.event === "start")?.metadata).toMatchObject({ eager: true, handed_by: "create" });
    expect(first.attempts).toBe(1);
  });

  it("hands a creator that asks its first steps already claimed", async () => {
    const parsed = parseTemplate(CHAIN3);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const taskUuid = uuidv7();
    const created = await taskStub(taskUuid).create(newTaskInput(taskUuid, parsed.template), {
      eager_limit: 16,
      claim_eager: true,
    });
    expect(created.eager).toBeUndefined();
    expect(created.claimed?.map((h) => [h.claimed.step.name, h.attempt, h.claimed.step.attempt])).toEqual([["first", 1, 1]]);
    const { steps, timers } = await taskStub(taskUuid).inspect();
    expect(steps.find((s) => s.name === "first")?.state).toBe("in_progress");
    expect(timers.filter((t) => t.step_uuid !== null).map((t) => t.kind)).toEqual(["deadline"]);
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

/** A root and `leaves` children on the unconsumed `manual` queue. */
function fanOut(leaves: number): string {
  return `
name: fan_out_${leaves}
namespace_name: manual
version: 1.0.0
steps:
  - name: root
    handler: { callable: EchoHandler }
${Array.from({ length: leaves }, (_, i) => `  - name: leaf_${i}\n    handler: { callable: EchoHandler }\n    dependencies: [root]`).join("\n")}
`;
}

/** Creates a fan-out and completes its root by hand, without eager steps: every leaf is queued. */
async function fanOutWithQueuedLeaves(leaves: number) {
  const { task_uuid } = await createFromYaml(fanOut(leaves));
  const root = await heldMessage(task_uuid, "root");
  const stub = taskStub(task_uuid);
  await stub.claim(root.step_uuid, root.dispatch_id);
  await stub.report(root.step_uuid, root.dispatch_id, { success: true, result: { root: true } });
  const { steps } = await stub.inspect();
  const queued = steps.filter((s) => s.state === "enqueued");
  return {
    task_uuid,
    stub,
    messages: queued.map((s) => ({ task_uuid, step_uuid: s.step_uuid, attempt: 1, dispatch_id: s.dispatch_id ?? "" })),
  };
}

describe("claimMany", () => {
  it("claims several dispatches of a task in one call, each as claim would, refusing stale and duplicate items", async () => {
    const { task_uuid, stub, messages } = await fanOutWithQueuedLeaves(4);
    const items = messages.map((m) => ({ step_uuid: m.step_uuid, dispatch_id: m.dispatch_id }));
    const first = items[0] ?? { step_uuid: "", dispatch_id: "" };
    // The first item again (a duplicate message), and the first step with a dispatch it no longer has.
    const answers = await stub.claimMany([...items, first, { step_uuid: first.step_uuid, dispatch_id: "old" }]);
    expect(answers).toHaveLength(6);
    expect(answers.slice(0, 4).map((a) => a?.step.attempt)).toEqual([1, 1, 1, 1]);
    expect(answers.slice(0, 4).map((a) => a?.dependency_results)).toEqual(Array(4).fill({ root: { root: true } }));
    expect(answers.slice(4)).toEqual([null, null]);
    // One answer, one message: each claim still has its own objects, for handlers running side by side.
    expect(answers[0]?.task.context).not.toBe(answers[1]?.task.context);
    expect(answers[0]?.dependency_results.root).not.toBe(answers[1]?.dependency_results.root);
    const { steps, timers } = await stub.inspect();
    for (const item of items) {
      expect(steps.find((s) => s.step_uuid === item.step_uuid)).toMatchObject({ state: "in_progress", attempts: 1 });
      expect(timers.filter((t) => t.step_uuid === item.step_uuid).map((t) => t.kind)).toEqual(["deadline"]);
      const start = (await stepAudit(task_uuid, item.step_uuid)).find((t) => t.event === "start");
      expect(start?.metadata).toEqual({ dispatch_id: item.dispatch_id, attempt: 1 });
    }
    // Claimed already: the same items again get nothing.
    expect(await stub.claimMany(items)).toEqual([null, null, null, null]);
  });

  it("refuses a call with too many items or a malformed id, and answers nulls for a paused task", async () => {
    const { stub, messages } = await fanOutWithQueuedLeaves(2);
    const items = messages.map((m) => ({ step_uuid: m.step_uuid, dispatch_id: m.dispatch_id }));
    // Called on the instance: a refusal thrown across RPC would also surface as the object's own error.
    await runInDurableObject(env.TASKS.getByName(messages[0]?.task_uuid ?? ""), async (instance) => {
      await expect(instance.claimMany(Array(101).fill(items[0]))).rejects.toThrow(/at most 100/);
      await expect(instance.claimMany([{ step_uuid: "", dispatch_id: "x" }])).rejects.toThrow();
    });
    await stub.pause({ performed_by: "test", reason: "hold the fan-out" });
    expect(await stub.claimMany(items)).toEqual([null, null]);
  });

  it("takes a consumer one claimMany for a batch of one task's messages, then one report per step", async () => {
    const { task_uuid, messages } = await fanOutWithQueuedLeaves(5);
    const calls: string[] = [];
    const batch = createMessageBatch(
      "tasker-steps-manual",
      messages.map((body, i) => ({ id: `m-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await createStepConsumer(new HandlerRegistry().register(CountingEcho))(batch, { TASKS: countingNamespace(calls) }, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(5);
    expect(calls[0]).toBe("claimMany");
    // Five reports, some of them sent together in a reportMany if they came while one was in flight.
    const reported = calls.slice(1).map((call) => (call === "report+claim" ? 1 : Number(/reportMany\((\d+)\)/.exec(call)?.[1])));
    expect(reported.reduce((a, b) => a + b, 0)).toBe(5);
    expect((await taskStub(task_uuid).inspect()).task?.state).toBe("complete");
  });
});

/** A root, then `pairs` leaves each with a child of its own, on the unconsumed `manual` queue. */
function leavesWithChildren(pairs: number): string {
  const steps = Array.from(
    { length: pairs },
    (_, i) =>
      `  - name: leaf_${i}\n    handler: { callable: EchoHandler }\n    dependencies: [root]\n  - name: after_${i}\n    handler: { callable: EchoHandler }\n    dependencies: [leaf_${i}]`,
  );
  return `
name: leaves_with_children
namespace_name: manual
version: 1.0.0
steps:
  - name: root
    handler: { callable: EchoHandler }
${steps.join("\n")}
`;
}

describe("reportMany", () => {
  it("records several reports in one call, each once, each with the eager steps it made ready", async () => {
    const { task_uuid } = await createFromYaml(leavesWithChildren(3));
    const stub = taskStub(task_uuid);
    const root = await heldMessage(task_uuid, "root");
    await stub.claim(root.step_uuid, root.dispatch_id);
    await stub.report(root.step_uuid, root.dispatch_id, { success: true, result: {} });
    const leaves = await Promise.all([0, 1, 2].map((i) => heldMessage(task_uuid, `leaf_${i}`)));
    await stub.claimMany(leaves);
    const options = { eager_limit: 1, claim_eager: true };
    const items = leaves.map((leaf, i) => ({ ...leaf, outcome: { success: true as const, result: { leaf: i } }, options }));
    // The first leaf twice: a duplicate inside one call is stale, as a second report would be.
    const receipts = await stub.reportMany([...items, ...items.slice(0, 1)]);
    expect(receipts.map((r) => [r.accepted, r.step_state])).toEqual([
      [true, "complete"],
      [true, "complete"],
      [true, "complete"],
      [false, "complete"],
    ]);
    expect(receipts.map((r) => r.claimed?.map((h) => h.claimed.step.name))).toEqual([
      ["after_0"],
      ["after_1"],
      ["after_2"],
      undefined,
    ]);
    expect(receipts[1]?.claimed?.[0]?.claimed.dependency_results).toMatchObject({ leaf_1: { leaf: 1 } });
    const { stepTransitions, steps } = await stub.inspect();
    for (const leaf of leaves) {
      expect(stepTransitions.filter((t) => t.step_uuid === leaf.step_uuid && t.event === "complete")).toHaveLength(1);
    }
    expect(steps.filter((s) => s.name.startsWith("after_")).map((s) => [s.state, s.attempts])).toEqual([
      ["in_progress", 1],
      ["in_progress", 1],
      ["in_progress", 1],
    ]);
  });
});
