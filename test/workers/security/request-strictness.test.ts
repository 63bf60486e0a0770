// Every route reads exactly what it documents: unknown, repeated or malformed query parameters, unknown
// body fields, bodies that are not UTF-8 and bodies that are not JSON are refused, never guessed at.
import { describe, expect, it } from "vitest";
import type { TaskView } from "../../../src/task-object/views";
import { app } from "../dev-orchestrator";
import { api, errorOf, hasStatus, seedOrder, stepNamed, waitForTask } from "../helpers";

const pathsOf = (details: unknown) => (details as { path: string }[]).map((d) => d.path).sort();

const SOME_UUID = "0190a5b2-0000-7000-8000-000000000000";

/** A concrete URL for each route the app serves (405 fallbacks left out), with its method. */
function servedRoutes(): { method: string; path: string }[] {
  const values: Record<string, string> = {
    task_uuid: SOME_UUID,
    step_uuid: SOME_UUID,
    namespace: "ecommerce",
    name: "order_fulfillment",
    version: "1.0.0",
  };
  const served = new Set(
    app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, (_, name: string) => values[name] ?? name)}`),
  );
  return [...served].map((route) => {
    const [method = "", path = ""] = route.split(" ");
    return { method, path };
  });
}

const json = (method: string, body: unknown, contentType = "application/json"): RequestInit => ({
  method,
  headers: { "content-type": contentType },
  body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
});

/** A finished seed order: its steps and routes are real, so only the query or body can be at fault. */
async function finishedOrder(): Promise<TaskView> {
  const response = await api("/v1/tasks", json("POST", seedOrder()));
  expect(response.status, await response.clone().text()).toBe(201);
  const task = (await response.json()) as TaskView;
  return waitForTask(task.task_uuid, hasStatus("complete"));
}

describe("query strings", () => {
  it("every route refuses a parameter it does not take, before doing anything else", async () => {
    const routes = servedRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(18);
    for (const { method, path } of routes) {
      const error = await errorOf(await api(`${path}?unexpected=1`, { method }), 400, "invalid_query");
      expect(pathsOf(error.details), `${method} ${path}`).toEqual(["unexpected"]);
    }
  });

  it("GET …/workflow_steps refuses repeated, hexadecimal, exponent and misspelt paging parameters", async () => {
    const task = await finishedOrder();
    const steps = `/v1/tasks/${task.task_uuid}/workflow_steps`;
    expect((await api(`${steps}?page=1&per_page=2`)).status).toBe(200);
    const repeated = await errorOf(await api(`${steps}?per_page=1&per_page=1000`), 400, "invalid_query");
    expect(repeated.details).toEqual([{ path: "per_page", message: "may be given only once" }]);
    expect(pathsOf((await errorOf(await api(`${steps}?page=0x10`), 400, "invalid_query")).details)).toEqual(["page"]);
    expect(pathsOf((await errorOf(await api(`${steps}?page=1e15`), 400, "invalid_query")).details)).toEqual(["page"]);
    expect(pathsOf((await errorOf(await api(`${steps}?per_page=1001`), 400, "invalid_query")).details)).toEqual(["per_page"]);
    expect(pathsOf((await errorOf(await api(`${steps}?perpage=5&pages=2`), 400, "invalid_query")).details)).toEqual([
      "pages",
      "perpage",
    ]);
  });

  it("GET /v1/templates refuses a repeated, empty or misspelt namespace", async () => {
    expect((await api("/v1/templates?namespace=ecommerce")).status).toBe(200);
    await errorOf(await api("/v1/templates?namespace=ecommerce&namespace=demo"), 400, "invalid_query");
    await errorOf(await api("/v1/templates?namespace="), 400, "invalid_query");
    const misspelt = await errorOf(await api("/v1/templates?namespaces=ecommerce"), 400, "invalid_query");
    expect(pathsOf(misspelt.details)).toEqual(["namespaces"]);
  });
});

describe("JSON bodies", () => {
  it("POST /v1/tasks refuses an unknown field, naming it, instead of ignoring it", async () => {
    const error = await errorOf(
      await api("/v1/tasks", json("POST", { ...seedOrder(), idempotencykey: "order-1", colour: "blue" })),
      400,
      "invalid_request",
    );
    expect(pathsOf(error.details)).toEqual(["colour", "idempotencykey"]);
  });

  it("operator, task and cancel actions refuse unknown fields too, nested ones included", async () => {
    const task = await finishedOrder();
    const step = await stepNamed(task.task_uuid, "validate_order");
    const stepPath = `/v1/tasks/${task.task_uuid}/workflow_steps/${step.step_uuid}`;
    const completion = {
      action_type: "complete_manually",
      reason: "by hand",
      completed_by: "ops",
      completion_data: { result: {}, metdata: {} },
    };
    const nested = await errorOf(await api(stepPath, json("PATCH", completion)), 400, "invalid_request");
    expect(pathsOf(nested.details)).toEqual(["completion_data.metdata"]);
    const reset = { action_type: "reset_for_retry", reason: "again", reset_by: "ops", resolved_by: "ops" };
    expect(pathsOf((await errorOf(await api(stepPath, json("PATCH", reset)), 400, "invalid_request")).details)).toEqual([
      "resolved_by",
    ]);
    const giveUp = { action_type: "give_up", reason: "enough", performed_by: "ops", force: true };
    const taskAction = await errorOf(await api(`/v1/tasks/${task.task_uuid}`, json("PATCH", giveUp)), 400, "invalid_request");
    expect(pathsOf(taskAction.details)).toEqual(["force"]);
    const cancel = await errorOf(
      await api(`/v1/tasks/${task.task_uuid}`, json("DELETE", { reson: "typo" })),
      400,
      "invalid_request",
    );
    expect(pathsOf(cancel.details)).toEqual(["reson"]);
  });

  it("refuses a body that is not UTF-8 with invalid_encoding", async () => {
    const text = JSON.stringify(seedOrder()).replace('"api:checkout"', '"api:checkout-\u0000"');
    const bytes = new TextEncoder().encode(text);
    // The NUL becomes the byte 0xFF: JSON that parses once decoded leniently, but no UTF-8 text at all.
    bytes[bytes.indexOf(0)] = 0xff;
    await errorOf(await api("/v1/tasks", json("POST", bytes)), 400, "invalid_encoding");
  });
});

describe("media types", () => {
  it("POST /v1/tasks refuses what a cross-site form can send, and a body without a type, with 415", async () => {
    const body = JSON.stringify(seedOrder());
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json"]) {
      const error = await errorOf(await api("/v1/tasks", json("POST", body, type)), 415, "unsupported_media_type");
      expect(error.message).toContain("application/json");
    }
    await errorOf(
      await api("/v1/tasks", { method: "POST", body: new TextEncoder().encode(body) }),
      415,
      "unsupported_media_type",
    );
  });

  it("refuses JSON declared in another charset than UTF-8", async () => {
    const body = JSON.stringify(seedOrder());
    await errorOf(
      await api("/v1/tasks", json("POST", body, "application/json; charset=iso-8859-1")),
      415,
      "unsupported_media_type",
    );
  });

  it("accepts application/json with a charset, and application/*+json", async () => {
    for (const type of ["application/json; charset=utf-8", 'Application/JSON; Charset="UTF-8"', "application/vnd.tasker+json"]) {
      const response = await api("/v1/tasks", json("POST", seedOrder(), type));
      expect(response.status, `${type}: ${await response.clone().text()}`).toBe(201);
      await waitForTask(((await response.json()) as TaskView).task_uuid, hasStatus("complete"));
    }
  });

  it("every JSON route refuses text/plain", async () => {
    const task = await finishedOrder();
    const step = await stepNamed(task.task_uuid, "validate_order");
    const routes: [string, string, unknown][] = [
      ["PATCH", `/v1/tasks/${task.task_uuid}/workflow_steps/${step.step_uuid}`, { action_type: "resolve_manually" }],
      ["PATCH", `/v1/tasks/${task.task_uuid}`, { action_type: "give_up", reason: "x", performed_by: "ops" }],
      ["DELETE", `/v1/tasks/${task.task_uuid}`, { reason: "x" }],
    ];
    for (const [method, path, body] of routes) {
      await errorOf(await api(path, json(method, body, "text/plain")), 415, "unsupported_media_type");
    }
  });

  it("DELETE without a body needs no media type", async () => {
    const task = await finishedOrder();
    // The order is complete, so the cancel itself is refused; the empty body was read without complaint.
    await errorOf(await api(`/v1/tasks/${task.task_uuid}`, { method: "DELETE" }), 400, "task_already_terminal");
  });
});
