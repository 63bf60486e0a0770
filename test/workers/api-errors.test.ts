import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_REQUEST_BYTES } from "../../src/engine/limits";
import { app } from "./dev-orchestrator";
import { api, hasStatus, SEED_ORDER, seedOrder, waitForTask } from "./helpers";

const post = (body: string, path = "/v1/tasks") =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body });

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as { error: { code: string; message: string; details?: unknown } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

describe("bad input gets a 4xx with the error envelope", () => {
  it("400 for malformed JSON", async () => {
    await expectError(await post("{not json"), 400, "malformed_json");
  });

  it("400 listing every missing or mistyped field", async () => {
    const error = await expectError(
      await post(JSON.stringify({ name: "order_fulfillment", context: "nope", priority: 1.5 })),
      400,
      "invalid_request",
    );
    const paths = (error.details as { path: string }[]).map((d) => d.path).sort();
    // namespace, version, source_system and reason may be left out (see task-submission-defaults.test.ts).
    expect(paths).toEqual(["context", "initiator", "priority"]);
  });

  it("400 when the body is not an object", async () => {
    await expectError(await post("[1, 2, 3]"), 400, "invalid_request");
  });

  it("404 for an unknown template", async () => {
    await expectError(await post(JSON.stringify({ ...SEED_ORDER, version: "9.9.9" })), 404, "template_not_found");
  });

  it("400 listing the input_schema violations of the context", async () => {
    const error = await expectError(
      await post(JSON.stringify({ ...SEED_ORDER, context: { customer_email: 42 } })),
      400,
      "invalid_context",
    );
    const paths = (error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toContain("context.order_id");
    expect(paths).toContain("context.customer_email");
  });

  it("413 for an oversized body", async () => {
    const big = JSON.stringify({ ...SEED_ORDER, context: { ...SEED_ORDER.context, blob: "x".repeat(MAX_REQUEST_BYTES) } });
    await expectError(await post(big), 413, "payload_too_large");
  });

  it("413 for a context over the context limit", async () => {
    const context = { ...SEED_ORDER.context, blob: "x".repeat(300_000) };
    await expectError(await post(JSON.stringify({ ...SEED_ORDER, context })), 413, "context_too_large");
  });

  it("404 for an unknown task, and for an unknown step of a real task", async () => {
    const unknown = "0190a5b2-0000-7000-8000-000000000000";
    await expectError(await api(`/v1/tasks/${unknown}`), 404, "task_not_found");
    await expectError(await api(`/v1/tasks/${unknown}/workflow_steps`), 404, "task_not_found");
    await expectError(await api(`/v1/tasks/${unknown}/transitions`), 404, "task_not_found");
    await expectError(await api(`/v1/tasks/${unknown}`, { method: "DELETE" }), 404, "task_not_found");
    const created = (await (await post(JSON.stringify(seedOrder()))).json()) as { task_uuid: string };
    await expectError(await api(`/v1/tasks/${created.task_uuid}/workflow_steps/${unknown}`), 404, "step_not_found");
    await expectError(await api(`/v1/tasks/${created.task_uuid}/workflow_steps/${unknown}/audit`), 404, "step_not_found");
    await waitForTask(created.task_uuid, hasStatus("complete"));
  });

  it("400 for an id that is not a uuid", async () => {
    await expectError(await api("/v1/tasks/not-a-uuid"), 400, "invalid_uuid");
  });

  it("405 with Allow for a known path and a wrong method", async () => {
    const response = await api("/v1/tasks", { method: "PUT" });
    expect(response.headers.get("allow")).toBe("GET, POST");
    await expectError(response, 405, "method_not_allowed");
  });

  it("404 for an unknown route", async () => {
    await expectError(await api("/v2/nothing"), 404, "not_found");
  });

  it("404 for an unknown template in the template API", async () => {
    await expectError(await api("/v1/templates/ecommerce/order_fulfillment/0.0.1"), 404, "template_not_found");
  });
});

describe("read-only endpoints", () => {
  it("lists the bundled templates and shows one", async () => {
    const list = (await (await api("/v1/templates")).json()) as { templates: { name: string }[]; total_count: number };
    expect(list.templates.map((t) => t.name)).toContain("order_fulfillment");
    expect(list.total_count).toBe(list.templates.length);
    const detail = (await (await api("/v1/templates/ecommerce/order_fulfillment/1.0.0")).json()) as { steps: { name: string }[] };
    expect(detail.steps.map((s) => s.name)).toEqual(["validate_order", "reserve_inventory", "charge_payment"]);
  });

  it("answers /health", async () => {
    const response = await api("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "healthy" });
  });
});

describe("health", () => {
  it("answers /health/live and /health/ready with the checks it made", async () => {
    expect(await (await api("/health/live")).json()).toMatchObject({ status: "alive" });
    const ready = await api("/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { task_objects: "ok", step_queue: "ok", catalog: "ok" },
    });
  });

  it("is not ready, with 503 and the failed check, when a binding is missing", async () => {
    const response = await app.request("/health/ready", {}, { ...env, STEPS_DEFAULT: undefined });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      error: { code: "not_ready", details: { checks: { step_queue: "missing binding STEPS_DEFAULT" } } },
    });
    const noCatalog = await app.request("/health/ready", {}, { ...env, TASKER_DB: undefined });
    expect(noCatalog.status).toBe(503);
    expect(await noCatalog.json()).toMatchObject({
      error: { details: { checks: { catalog: "missing binding TASKER_DB" } } },
    });
  });
});

describe("when D1 (the template catalog and task index) is down", () => {
  const down = () => {
    throw new Error("D1_ERROR: the database is unreachable");
  };
  const brokenD1 = { prepare: down, batch: down, exec: down, dump: down, withSession: down } as unknown as D1Database;
  const call = (path: string, init?: RequestInit) =>
    app.request(`http://tasker.test${path}`, init, { ...env, TASKER_DB: brokenD1 });

  it("answers 503 catalog_unavailable for what needs it, never a bare 500", async () => {
    await expectError(await call("/v1/templates"), 503, "catalog_unavailable");
    await expectError(await call("/v1/tasks"), 503, "catalog_unavailable");
    await expectError(await call("/v1/templates/registered/nowhere/1.0.0"), 503, "catalog_unavailable");
    const yaml =
      "name: offline\nnamespace_name: registered\nversion: 1.0.0\nsteps:\n  - name: a\n    handler: { callable: EchoHandler }\n";
    const put = await call("/v1/templates/registered/offline/1.0.0", {
      method: "PUT",
      headers: { "content-type": "application/yaml" },
      body: yaml,
    });
    await expectError(put, 503, "catalog_unavailable");
  });

  it("still serves and runs bundled templates, which never touch D1", async () => {
    expect((await call("/v1/templates/ecommerce/order_fulfillment/1.0.0")).status).toBe(200);
    const created = await call("/v1/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(seedOrder()),
    });
    expect(created.status).toBe(201);
    const { task_uuid } = (await created.json()) as { task_uuid: string };
    await waitForTask(task_uuid, hasStatus("complete"));
  });
});
