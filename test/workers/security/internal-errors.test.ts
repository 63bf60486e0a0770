// Internal error text (the runtime's, a driver's, the validator's) stays in the logs: clients get codes and our own words.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../dev-orchestrator";
import { api, seedOrder } from "../helpers";

describe("internal error text", () => {
  it("does not appear in /health/ready, which anyone may call", async () => {
    const down = () => {
      throw new Error("D1_ERROR: no such table: sqlite_secret_schema at offset 12");
    };
    const brokenD1 = { prepare: down, batch: down, exec: down, dump: down, withSession: down } as unknown as D1Database;
    const response = await app.request("http://tasker.test/health/ready", {}, { ...env, TASKER_DB: brokenD1 });
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).not.toContain("D1_ERROR");
    expect(JSON.parse(text)).toMatchObject({
      error: { details: { checks: { catalog: expect.stringMatching(/^unavailable/) } } },
    });
  });

  it("does not appear when a context is too deep for the validator's recursion", async () => {
    let context: Record<string, unknown> = { order_id: "x", customer_email: "a@b" };
    for (let level = 0; level < 20_000; level++) context = { order_id: "x", customer_email: "a@b", deeper: context };
    const response = await api("/v1/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...seedOrder(), context }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(400);
    expect(text).not.toMatch(/Maximum call stack|RangeError|stack size/);
  });
});
