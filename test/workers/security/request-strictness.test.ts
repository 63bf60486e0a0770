// Every route reads exactly what it documents: unknown, repeated or malformed query parameters are refused, never guessed at.
import { describe, expect, it } from "vitest";
import { app } from "../../../src/api/app";
import type { TaskView } from "../../../src/task-object/views";
import { api, hasStatus, seedOrder, waitForTask } from "../helpers";

async function errorOf(response: Response, status: number, code: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string; details?: unknown } };
  expect(body.error.code).toBe(code);
  return body.error;
}

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
    expect(routes.length).toBe(18);
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
