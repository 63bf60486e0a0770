import { describe, expect, it } from "vitest";
import { app } from "./dev-orchestrator";
import { api } from "./helpers";

/** The routes the app really serves, as OpenAPI paths (`:task_uuid` → `{task_uuid}`), without 405 fallbacks. */
function servedRoutes(): string[] {
  const served = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    const path = route.path.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}") || "/";
    served.add(`${route.method.toLowerCase()} ${path}`);
  }
  return [...served].sort();
}

describe("the OpenAPI document", () => {
  it("is served at /openapi.json as OpenAPI 3.1", async () => {
    const response = await api("/openapi.json");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ openapi: "3.1.0", info: { title: "tasker-edge" } });
  });

  it("documents every route the app serves, and no route it does not", async () => {
    const doc = (await (await api("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`))
      .sort();
    expect(servedRoutes().length).toBeGreaterThan(10);
    expect(documented).toEqual(servedRoutes());
  });

  it("takes request bodies from the zod schemas that validate them", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>;
    };
    const create = doc.paths["/v1/tasks"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(create).toMatchObject({ type: "object", additionalProperties: false });
    expect(create?.required).toEqual(["name", "context", "initiator"]);
    expect(Object.keys((create?.properties as object) ?? {})).toEqual(
      expect.arrayContaining(["namespace", "version", "source_system", "reason", "idempotency_key"]),
    );
    const action =
      doc.paths["/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}"]?.patch?.requestBody?.content["application/json"]?.schema;
    expect(JSON.stringify(action)).toContain("complete_manually");
  });

  it("documents the task list's query parameters and the template routes' YAML and JSON bodies", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; requestBody?: { content: object } }>>;
    };
    const queryOf = (path: string) => doc.paths[path]?.get?.parameters.filter((p) => p.in === "query").map((p) => p.name);
    expect(queryOf("/v1/tasks")).toEqual(expect.arrayContaining(["namespace", "status", "created_after", "page", "per_page"]));
    expect(queryOf("/v1/tasks/{task_uuid}/workflow_steps")).toEqual(["page", "per_page", "batch", "state"]);
    expect(queryOf("/v1/templates")).toEqual(["namespace"]);
    expect(queryOf("/v1/tasks/{task_uuid}")).toEqual([]);
    const put = doc.paths["/v1/templates/{namespace}/{name}/{version}"]?.put?.requestBody?.content;
    expect(Object.keys(put ?? {})).toEqual(expect.arrayContaining(["application/yaml", "application/json"]));
    expect(doc.paths["/v1/templates/validate"]?.post).toMatchObject({ "x-permission": "templates:validate" });
  });

  it("documents the 400 of a bad query on every route, and the 415 of every route with a body", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain("400");
        if (operation.requestBody) expect(Object.keys(operation.responses), `${method} ${path}`).toContain("415");
      }
    }
  });
});
