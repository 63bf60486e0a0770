import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { allowedMethods, answerFor, honoPath } from "../../../src/api/routes";
import { ROUTES } from "../../../src/contract/routes";

/** An app whose one route answers `body` through the health route's contract. */
function appAnswering(body: unknown) {
  const app = new Hono();
  app.get("/probe", (c) => answerFor(c, "health", ROUTES.health)(body as never));
  return app;
}

const healthy = { status: "healthy", service: "tasker-edge", time: "2026-11-29T12:00:00.000Z" };

describe("answers shaped by the contract", () => {
  it("sends an answer that matches its response schema", async () => {
    const response = await appAnswering(healthy).request("/probe", {}, { TASKER_CHECK_RESPONSES: "on" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(healthy);
  });

  it("turns an answer that does not match into 500 response_mismatch naming the field, when checks are on", async () => {
    const response = await appAnswering({ ...healthy, time: 12 }).request("/probe", {}, { TASKER_CHECK_RESPONSES: "on" });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({
      error: { code: "response_mismatch", details: [{ path: "time", message: expect.any(String) }] },
    });
  });

  it("refuses a field the schema does not declare, so the published document covers every field", async () => {
    const response = await appAnswering({ ...healthy, extra: 1 }).request("/probe", {}, { TASKER_CHECK_RESPONSES: "on" });
    expect(await response.json()).toMatchObject({ error: { code: "response_mismatch", details: [{ path: "extra" }] } });
  });

  it("sends the answer unchecked when checks are off (production)", async () => {
    const response = await appAnswering({ ...healthy, time: 12 }).request("/probe", {}, {});
    expect(response.status).toBe(200);
  });
});

describe("the routes table as Hono serves it", () => {
  it("writes path parameters the Hono way", () => {
    expect(honoPath("/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}")).toBe("/v1/tasks/:task_uuid/workflow_steps/:step_uuid");
  });

  it("lists each path's methods in table order for the 405 Allow header", () => {
    const allowed = allowedMethods();
    expect(allowed.get("/v1/tasks")).toEqual(["GET", "POST"]);
    expect(allowed.get("/v1/tasks/:task_uuid")).toEqual(["GET", "PATCH", "DELETE"]);
    expect(allowed.get("/v1/templates/:namespace/:name/:version")).toEqual(["GET", "PUT"]);
    expect([...allowed.values()].flat()).toHaveLength(Object.keys(ROUTES).length);
  });
});
