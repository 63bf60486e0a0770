// Deep nesting from a client: contexts, completion data and step results nested past MAX_NESTING_DEPTH are refused, never a 500.
import { describe, expect, it } from "vitest";
import { MAX_NESTING_DEPTH } from "../../../src/shared/limits";
import {
  api,
  createFromYaml,
  demoTask,
  HELD_TEMPLATE,
  hasStatus,
  heldMessage,
  seedOrder,
  stepNamed,
  taskStub,
  waitForTask,
} from "../helpers";

/** `{ "n": { "n": … 1 } }` with `levels` objects. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { n: 1 };
  for (let level = 1; level < levels; level++) value = { n: value };
  return value;
}

function post(path: string, body: unknown, method = "POST"): Promise<Response> {
  return api(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function errorOf(response: Response) {
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { error: { code: string; message: string; details?: unknown } } };
}

describe("nesting depth of client values", () => {
  it("refuses a context nested 2,500 levels (15 KB) with 400 nesting_too_deep, with or without an input_schema", async () => {
    const deep = nested(2_500);
    for (const request of [
      { ...demoTask("slow_step"), context: deep },
      { ...seedOrder(), context: { ...deep, order_id: "x" } },
    ]) {
      const { status, body } = await errorOf(await post("/v1/tasks", request));
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: "nesting_too_deep", details: { path: "context", limit: MAX_NESTING_DEPTH } });
      expect(body.error.message).not.toMatch(/stack|Maximum/i);
    }
  });

  it("accepts a context nested exactly as deep as the limit, and refuses one level more", async () => {
    const atLimit = await post("/v1/tasks", { ...demoTask("slow_step"), context: nested(MAX_NESTING_DEPTH) });
    expect(atLimit.status, await atLimit.clone().text()).toBe(201);
    const past = await errorOf(await post("/v1/tasks", { ...demoTask("slow_step"), context: nested(MAX_NESTING_DEPTH + 1) }));
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe("nesting_too_deep");
  });

  it("refuses complete_manually data nested past the limit, and takes a result nested exactly as deep", async () => {
    const task = await createFromYaml(HELD_TEMPLATE);
    const held = await stepNamed(task.task_uuid, "held");
    const path = `/v1/tasks/${task.task_uuid}/workflow_steps/${held.step_uuid}`;
    const action = { action_type: "complete_manually", reason: "by hand", completed_by: "ops" };
    for (const [completion_data, where] of [
      [{ result: nested(5_000) }, "completion_data.result"],
      [{ result: 1, metadata: nested(MAX_NESTING_DEPTH + 1) }, "completion_data.metadata"],
    ] as const) {
      const { status, body } = await errorOf(await post(path, { ...action, completion_data }, "PATCH"));
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: "nesting_too_deep", details: { path: where } });
    }
    const atLimit = await post(path, { ...action, completion_data: { result: nested(MAX_NESTING_DEPTH) } }, "PATCH");
    expect(atLimit.status, await atLimit.clone().text()).toBe(200);
  });

  it("fails a step whose handler reports a result nested past the limit, permanently, with nesting_too_deep", async () => {
    const task = await createFromYaml(HELD_TEMPLATE);
    const message = await heldMessage(task.task_uuid, "held");
    const stub = taskStub(task.task_uuid);
    expect(await stub.claim(message.step_uuid, message.dispatch_id)).not.toBeNull();
    const receipt = await stub.report(message.step_uuid, message.dispatch_id, {
      success: true,
      result: nested(MAX_NESTING_DEPTH + 1),
    });
    expect(receipt).toMatchObject({ accepted: true, step_state: "error" });
    await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
    const held = await stepNamed(task.task_uuid, "held");
    expect(held.last_error).toMatchObject({ error_code: "nesting_too_deep", retryable: false });
    expect(held.results).toBeNull();
  });
});
