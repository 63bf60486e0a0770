import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/engine/ids";
import { MAX_WORKFLOW_DEPTH } from "../../src/engine/sub-workflow";
import { api, createFromYaml, getTask, hasStatus, stepNamed, submit, taskRequest, waitForStep, waitForTask } from "./helpers";

const patch = (path: string, body: unknown) =>
  api(path, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const shipOrder = (context: Record<string, unknown>) => taskRequest("fulfillment", "ship_order", context);

const orderId = () => `ORD-${crypto.randomUUID().slice(0, 8)}`;

/** A parent whose child task has blocked on its failed booking step; the parent's step waits. */
async function parentWithBlockedChild() {
  const parent = await submit(shipOrder({ order_id: orderId(), fail_carrier: true }));
  const step = await waitForStep(parent.task_uuid, "book_shipment", (s) => s.child_task_uuid !== null);
  const childUuid = step.child_task_uuid as string;
  await waitForTask(childUuid, hasStatus("blocked_by_failures"));
  return { parent, childUuid };
}

describe("a workflow step runs a child task", () => {
  it("waits for the child, takes its step results as the step's result, and links parent and child both ways", async () => {
    const id = orderId();
    const parent = await submit(shipOrder({ order_id: id, items: [1, 2, 3, 4] }));
    const done = await waitForTask(parent.task_uuid, hasStatus("complete"));

    const step = await stepNamed(parent.task_uuid, "book_shipment");
    expect(step.current_state).toBe("complete");
    expect(step.results).toEqual({
      quote_carriers: { carrier: "parcelco", price_cents: 900 },
      book_carrier: { carrier: "parcelco", tracking_number: `TRK-${id}` },
    });
    expect((await stepNamed(parent.task_uuid, "notify_customer")).results).toEqual({
      notified: true,
      tracking_number: `TRK-${id}`,
    });

    const childUuid = step.child_task_uuid as string;
    expect(done.child_tasks).toEqual([{ step_uuid: step.step_uuid, step_name: "book_shipment", child_task_uuid: childUuid }]);
    const child = await getTask(childUuid);
    expect(child).toMatchObject({
      namespace: "fulfillment",
      name: "book_shipment",
      status: "complete",
      parent_task_uuid: parent.task_uuid,
      parent_step_uuid: step.step_uuid,
      parent_step_name: "book_shipment",
      correlation_id: parent.correlation_id,
      // Only the mapped keys reach the child; the parent's absent fail_carrier is left out.
      context: { order_id: id, parcels: 2 },
    });
    // No queue message ever ran the workflow step itself: it went straight from enqueued to in_progress.
    const parentStep = await api(`/v1/tasks/${parent.task_uuid}/workflow_steps/${step.step_uuid}/audit`);
    const events = ((await parentStep.json()) as { transitions: { event: string }[] }).transitions.map((t) => t.event);
    expect(events).toEqual(["create", "enqueue", "start", "enqueue_for_orchestration", "complete"]);
  });

  it("keeps the parent step waiting while the child is blocked, and completes it once the child is repaired", async () => {
    const { parent, childUuid } = await parentWithBlockedChild();
    expect((await getTask(parent.task_uuid)).status).toBe("steps_in_process");
    expect((await stepNamed(parent.task_uuid, "book_shipment")).current_state).toBe("in_progress");

    const failed = await stepNamed(childUuid, "book_carrier");
    expect(failed.last_error?.error_code).toBe("booking_rejected");
    const repaired = await patch(`/v1/tasks/${childUuid}/workflow_steps/${failed.step_uuid}`, {
      action_type: "complete_manually",
      completion_data: { result: { carrier: "by-hand", tracking_number: "TRK-MANUAL" } },
      reason: "booked by phone",
      completed_by: "ops",
    });
    expect(repaired.status).toBe(200);

    await waitForTask(childUuid, hasStatus("complete"));
    await waitForTask(parent.task_uuid, hasStatus("complete"));
    expect((await stepNamed(parent.task_uuid, "notify_customer")).results).toEqual({
      notified: true,
      tracking_number: "TRK-MANUAL",
    });
  });

  it("fails the parent step with child_task_failed when the operator gives up on the child", async () => {
    const { parent, childUuid } = await parentWithBlockedChild();
    const gaveUp = await patch(`/v1/tasks/${childUuid}`, { action_type: "give_up", reason: "no carrier", performed_by: "ops" });
    expect(gaveUp.status).toBe(200);
    await waitForTask(parent.task_uuid, hasStatus("blocked_by_failures"));
    const step = await stepNamed(parent.task_uuid, "book_shipment");
    expect(step.current_state).toBe("error");
    expect(step.last_error).toMatchObject({ error_code: "child_task_failed", retryable: false });
    expect(step.last_error?.message).toContain(childUuid);
    // Repairing the parent step by hand lets the parent finish without the child.
    await patch(`/v1/tasks/${parent.task_uuid}/workflow_steps/${step.step_uuid}`, {
      action_type: "complete_manually",
      completion_data: { result: { book_carrier: { tracking_number: "TRK-LATER" } } },
      reason: "shipped separately",
      completed_by: "ops",
    });
    await waitForTask(parent.task_uuid, hasStatus("complete"));
  });

  it("cancels the running child when the parent is cancelled", async () => {
    const { parent, childUuid } = await parentWithBlockedChild();
    const cancelled = await api(`/v1/tasks/${parent.task_uuid}`, { method: "DELETE" });
    expect(cancelled.status).toBe(200);
    await waitForTask(childUuid, hasStatus("cancelled"));
    expect((await getTask(parent.task_uuid)).status).toBe("cancelled");
    expect((await stepNamed(parent.task_uuid, "book_shipment")).current_state).toBe("cancelled");
  });

  it("fails the step for good when the child template does not exist or the child's context is invalid", async () => {
    const missing = await createFromYaml(`
name: missing_child
namespace_name: fulfillment
version: 1.0.0
steps:
  - name: start_child
    handler: { callable: WorkflowHandler, initialization: { task_template: no_such_template } }
`);
    const invalid = await createFromYaml(`
name: bad_child_context
namespace_name: fulfillment
version: 1.0.0
steps:
  - name: start_child
    handler:
      callable: WorkflowHandler
      initialization: { task_template: book_shipment, context_mapping: { parcels: context.parcels } }
`);
    for (const [task, code] of [
      [missing, "child_template_not_found"],
      [invalid, "invalid_child_context"],
    ] as const) {
      await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
      const step = await stepNamed(task.task_uuid, "start_child");
      expect(step.last_error).toMatchObject({ error_code: code, retryable: false });
      expect(step.child_task_uuid).not.toBeNull();
      expect(await getTask(step.child_task_uuid as string).catch(() => null)).toBeNull();
    }
    expect((await stepNamed(invalid.task_uuid, "start_child")).last_error?.message).toContain("order_id");
  });

  it(`refuses to nest child tasks more than ${MAX_WORKFLOW_DEPTH} levels deep`, async () => {
    // A task that already sits at the deepest level: its own lineage holds MAX_WORKFLOW_DEPTH ancestors.
    const lineage = Array.from({ length: MAX_WORKFLOW_DEPTH }, (_, i) => `fulfillment/level_${i}@1.0.0`);
    const parent = {
      task_uuid: crypto.randomUUID(),
      step_uuid: crypto.randomUUID(),
      step_name: "above",
      dispatch_id: uuidv7(),
      lineage,
    };
    const { task_uuid: taskUuid } = await createFromYaml(
      `
name: deep
namespace_name: fulfillment
version: 1.0.0
steps:
  - name: go_deeper
    handler: { callable: WorkflowHandler, initialization: { task_template: book_shipment } }
`,
      { order_id: "ORD-deep" },
      parent,
    );
    await waitForTask(taskUuid, hasStatus("blocked_by_failures"));
    const step = await stepNamed(taskUuid, "go_deeper");
    expect(step.last_error).toMatchObject({ error_code: "workflow_depth_exceeded", retryable: false });
  });
});
