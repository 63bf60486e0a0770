import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CREDENTIAL_ENV_VARS } from "../../../src/api/auth-config";
import { app } from "../dev-orchestrator";

// Hole 3 of issue 11: `TASKER_API_KEYS=''` (what a deploy writes when its CI variable is unset)
// turned authentication off. A variable that is set but empty is a misconfiguration and fails
// closed; `TASKER_AUTH = "required"` makes a Worker refuse to run open at all.

const KEY = "key-fails-closed-0123456789abcdef";
const KEYS = JSON.stringify([{ name: "ci", key: KEY, permissions: ["*"] }]);

const withVars = (vars: Record<string, unknown>) => ({ ...env, ...vars }) as Env;

/** A read, a write, an unknown path and a wrong method: every kind of /v1 request. */
const V1_REQUESTS: [string, RequestInit][] = [
  ["/v1/templates", {}],
  ["/v1/tasks", {}],
  [
    "/v1/tasks",
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "slow_step", namespace: "demo", version: "1.0.0", context: {} }),
    },
  ],
  ["/v1/templates/validate", { method: "POST", headers: { "content-type": "application/yaml" }, body: "name: x" }],
  ["/v1/nothing-here", {}],
  ["/v1/tasks", { method: "PUT" }],
];

function request(path: string, init: RequestInit, vars: Env, key?: string) {
  const headers = new Headers(init.headers);
  if (key !== undefined) headers.set("x-api-key", key);
  return app.request(`http://tasker.test${path}`, { ...init, headers }, vars);
}

/** The `auth.misconfigured` log lines written while `body` ran. */
async function misconfiguredLines(body: () => Promise<void>): Promise<{ problems: string[] }[]> {
  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  await body();
  return errors.mock.calls
    .map(([line]) => JSON.parse(String(line)) as { evt: string; problems: string[] })
    .filter((line) => line.evt === "auth.misconfigured");
}

async function expectFailsClosed(vars: Env, variable: string) {
  const lines = await misconfiguredLines(async () => {
    for (const [path, init] of V1_REQUESTS) {
      for (const key of [undefined, KEY]) {
        const response = await request(path, init, vars, key);
        const text = await response.text();
        expect(response.status, `${init.method ?? "GET"} ${path}: ${text}`).toBe(503);
        expect(JSON.parse(text)).toMatchObject({ error: { code: "auth_misconfigured" } });
      }
    }
  });
  expect(lines.length).toBeGreaterThan(0);
  expect(lines[0]?.problems.join("\n")).toContain(variable);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("authentication fails closed on a variable that is set but empty", () => {
  it("answers 503 auth_misconfigured to every /v1 request when TASKER_API_KEYS is ''", async () => {
    await expectFailsClosed(withVars({ TASKER_API_KEYS: "" }), "TASKER_API_KEYS");
  });

  it.each([...CREDENTIAL_ENV_VARS, "TASKER_JWT_ISSUER", "TASKER_JWT_AUDIENCE", "TASKER_AUTH"])(
    "fails closed when %s alone is set to blanks",
    async (variable) => {
      await expectFailsClosed(withVars({ [variable]: "  " }), variable);
    },
  );

  it("fails closed when one variable is empty even though the others are valid", async () => {
    await expectFailsClosed(withVars({ TASKER_API_KEYS: KEYS, TASKER_JWT_SECRET: "" }), "TASKER_JWT_SECRET");
  });

  it("keeps /health public and says in /health/ready that auth is misconfigured, without the details", async () => {
    const vars = withVars({ TASKER_API_KEYS: "" });
    await misconfiguredLines(async () => {
      expect((await request("/health", {}, vars)).status).toBe(200);
      const ready = await request("/health/ready", {}, vars);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { error: { details: { checks: Record<string, string> } } };
      expect(body.error.details.checks.auth).toBe("misconfigured: see the auth.misconfigured log line");
    });
  });
});

describe('TASKER_AUTH = "required"', () => {
  it("fails closed when no credential variable is set, naming TASKER_AUTH in the log", async () => {
    await expectFailsClosed(withVars({ TASKER_AUTH: "required" }), "TASKER_AUTH");
  });

  it("fails closed when the credential variable a deploy wrote is empty", async () => {
    await expectFailsClosed(withVars({ TASKER_AUTH: "required", TASKER_API_KEYS: "" }), "TASKER_API_KEYS");
  });

  it("refuses a value other than required", async () => {
    await expectFailsClosed(withVars({ TASKER_AUTH: "off", TASKER_API_KEYS: KEYS }), "TASKER_AUTH");
  });

  it("demands credentials once they are configured: 401 without, 200 with", async () => {
    const vars = withVars({ TASKER_AUTH: "required", TASKER_API_KEYS: KEYS });
    expect((await request("/v1/templates", {}, vars)).status).toBe(401);
    expect((await request("/v1/templates", {}, vars, KEY)).status).toBe(200);
    const ready = await request("/health/ready", {}, vars);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.auth).toBe("ok");
  });
});

describe("with nothing configured (npm start)", () => {
  it("stays open for local development, and /health/ready says so", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    expect((await request("/v1/templates", {}, withVars({}))).status).toBe(200);
    const ready = await request("/health/ready", {}, withVars({}));
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.auth).toMatch(/^ok \(off/);
  });
});
