import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../dev-orchestrator";

// Hole 6 of issue 11: one key created tasks as fast as it could. Each caller now has a budget of
// writes and of task creations a minute; past it the API answers 429 with Retry-After.
//
// The limiter is one object per caller, so each test spends the budget of a caller of its own (a
// fresh client address while auth is off, a fresh key while it is on). A budget of 2 a minute
// refills one token every 30 s, so nothing a test does in between can refill it.

const withVars = (vars: Record<string, unknown>) => ({ ...env, ...vars }) as Env;

/** A creation of a template that does not exist: it spends the budget without starting any work. */
const CREATE: RequestInit = {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    name: "no_such_template",
    namespace: "ratelimit",
    version: "1.0.0",
    context: {},
    initiator: "test",
    source_system: "vitest",
    reason: "rate limit test",
  }),
};
const VALIDATE: RequestInit = { method: "POST", headers: { "content-type": "application/yaml" }, body: "name: [" };

function request(path: string, init: RequestInit, vars: Env, headers: Record<string, string>) {
  const merged = new Headers(init.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return app.request(`http://tasker.test${path}`, { ...init, headers: merged }, vars);
}

const client = () => ({ "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250)}-${crypto.randomUUID()}` });

async function expectRateLimited(response: Response, limit: string) {
  const text = await response.text();
  expect(response.status, text).toBe(429);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(30);
  expect(JSON.parse(text)).toMatchObject({
    error: { code: "rate_limited", details: { limit, per_minute: 2, retry_after_seconds: retryAfter } },
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the task creation budget", () => {
  const vars = withVars({ TASKER_TASK_CREATES_PER_MINUTE: "2", TASKER_WRITES_PER_MINUTE: "off" });

  it("lets a caller's first creations through, then answers 429 rate_limited with Retry-After", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const me = client();
    // Attempts count, whatever they answer: these two are 404 template_not_found.
    for (let i = 0; i < 2; i++) expect((await request("/v1/tasks", CREATE, vars, me)).status).toBe(404);
    await expectRateLimited(await request("/v1/tasks", CREATE, vars, me), "task_creates");
  });

  it("is a budget per caller: another client address is not held back", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const noisy = client();
    for (let i = 0; i < 3; i++) await request("/v1/tasks", CREATE, vars, noisy);
    expect((await request("/v1/tasks", CREATE, vars, client())).status).toBe(404);
  });

  it("does not count other writes or reads", async () => {
    const me = client();
    for (let i = 0; i < 5; i++) {
      expect((await request("/v1/templates/validate", VALIDATE, vars, me)).status).toBe(200);
      expect((await request("/v1/tasks", {}, vars, me)).status).toBe(200);
    }
    expect((await request("/v1/tasks", CREATE, vars, me)).status).toBe(404);
  });
});

describe("the write budget", () => {
  const vars = withVars({ TASKER_WRITES_PER_MINUTE: "2", TASKER_TASK_CREATES_PER_MINUTE: "off" });

  it("counts every POST, PUT, PATCH and DELETE under /v1, and never a read", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const me = client();
    const task = `/v1/tasks/${crypto.randomUUID()}`;
    expect((await request("/v1/templates/validate", VALIDATE, vars, me)).status).toBe(200);
    expect((await request(task, { method: "DELETE" }, vars, me)).status).toBe(404);
    for (const [path, init] of [
      [task, { method: "PATCH", headers: { "content-type": "application/json" }, body: "{}" }],
      ["/v1/templates/ratelimit/x/1.0.0", { method: "PUT", headers: { "content-type": "application/yaml" }, body: "x" }],
      ["/v1/tasks", CREATE],
    ] as const) {
      await expectRateLimited(await request(path, init, vars, me), "writes");
    }
    for (let i = 0; i < 5; i++) expect((await request("/v1/templates", {}, vars, me)).status).toBe(200);
  });
});

describe("with authentication on", () => {
  const keyOf = (name: string) => `key-${name}-0123456789abcdef`;
  const names = ["first", "second"].map((n) => `${n}-${crypto.randomUUID()}`);
  const vars = withVars({
    TASKER_API_KEYS: JSON.stringify(names.map((name) => ({ name, key: keyOf(name), permissions: ["*"] }))),
    TASKER_TASK_CREATES_PER_MINUTE: "2",
  });

  it("spends the principal's budget, whichever address it calls from", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const [first = "", second = ""] = names;
    const as = (name: string) => ({ "x-api-key": keyOf(name), ...client() });
    for (let i = 0; i < 2; i++) expect((await request("/v1/tasks", CREATE, vars, as(first))).status).toBe(404);
    await expectRateLimited(await request("/v1/tasks", CREATE, vars, as(first)), "task_creates");
    expect((await request("/v1/tasks", CREATE, vars, as(second))).status).toBe(404);
  });
});

describe("configuration", () => {
  it("lets everything through when both budgets are off", async () => {
    const vars = withVars({ TASKER_TASK_CREATES_PER_MINUTE: "off", TASKER_WRITES_PER_MINUTE: "off" });
    const me = client();
    for (let i = 0; i < 10; i++) expect((await request("/v1/tasks", CREATE, vars, me)).status).toBe(404);
  });

  it("refuses writes with 503 limits_misconfigured, naming the variable in the log, while a value is malformed", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const vars = withVars({ TASKER_WRITES_PER_MINUTE: "lots" });
    const response = await request("/v1/tasks", CREATE, vars, client());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "limits_misconfigured" } });
    expect((await request("/v1/tasks", {}, vars, client())).status).toBe(200);
    const logged = errors.mock.calls.map(([line]) => String(line)).find((line) => line.includes('"limits.misconfigured"'));
    expect(logged).toContain("TASKER_WRITES_PER_MINUTE");
    const ready = await request("/health/ready", {}, vars, {});
    expect(ready.status).toBe(503);
  });

  it("refuses writes while rate limits are on and the RATE_LIMITER binding is missing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await request("/v1/tasks", CREATE, withVars({ RATE_LIMITER: undefined }), client());
    expect(response.status).toBe(503);
    const off = withVars({ RATE_LIMITER: undefined, TASKER_TASK_CREATES_PER_MINUTE: "off", TASKER_WRITES_PER_MINUTE: "off" });
    expect((await request("/v1/tasks", CREATE, off, client())).status).toBe(404);
  });
});

describe("the OpenAPI document", () => {
  it("says every write under /v1 may answer 429, and every /v1 route 503", async () => {
    const doc = (await (await app.request("http://tasker.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith("/v1/")) continue;
      for (const [method, operation] of Object.entries(methods)) {
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain("503");
        if (method !== "get") expect(Object.keys(operation.responses), `${method} ${path}`).toContain("429");
      }
    }
  });
});
