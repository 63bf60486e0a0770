import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { requiredPermissionOf } from "../../src/api/auth";
import { PERMISSIONS, type Permission } from "../../src/api/permissions";
import type { StepView, TaskView } from "../../src/task-object/views";
import { app, withOrchestrator } from "./dev-orchestrator";
import {
  createFromYaml,
  demoTask,
  getTask,
  HELD_TEMPLATE,
  hasStatus,
  seedOrder,
  stepNamed,
  submit,
  waitForTask,
} from "./helpers";

// The suite's wrangler.toml configures no credentials, so every other test runs with auth off; these
// tests hand the app an env of their own with keys and JWT settings added.

const ISSUER = "https://idp.tasker.test";
const AUDIENCE = "tasker-edge";
const JWT_SECRET = "hs256-secret-for-tests-0123456789abcdef";

const keyOf = (name: string) => `key-${name}-0123456789abcdef`;
const ONLY = (p: Permission) => `only:${p}`;
const ALL_BUT = (p: Permission) => `all-but:${p}`;

const API_KEYS = [
  { name: "admin", key: keyOf("admin"), permissions: ["*"] },
  { name: "task-wildcard", key: keyOf("task-wildcard"), permissions: ["tasks:*"] },
  { name: "ecommerce-only", key: keyOf("ecommerce-only"), permissions: ["*"], namespaces: ["ecommerce"] },
  ...PERMISSIONS.map((p) => ({ name: ONLY(p), key: keyOf(ONLY(p)), permissions: [p] })),
  ...PERMISSIONS.map((p) => ({ name: ALL_BUT(p), key: keyOf(ALL_BUT(p)), permissions: PERMISSIONS.filter((q) => q !== p) })),
];

const encode = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
const encodeJson = (value: unknown) => encode(new TextEncoder().encode(JSON.stringify(value)));

async function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  const algorithm = key.algorithm.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : key.algorithm.name;
  const signature = await crypto.subtle.sign(algorithm, key, new TextEncoder().encode(input));
  return `${input}.${encode(new Uint8Array(signature))}`;
}

const hmacKey = (secret: string) =>
  crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: "svc-deployer",
  iss: ISSUER,
  aud: AUDIENCE,
  exp: now() + 300,
  permissions: ["tasks:read", "templates:read"],
  ...extra,
});

let authEnv: Env;
let ecPrivate: CryptoKey;
let rsaPrivate: CryptoKey;
let hmac: CryptoKey;

beforeAll(async () => {
  const ec = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const rsa = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  ecPrivate = (ec as CryptoKeyPair).privateKey;
  rsaPrivate = rsa.privateKey;
  hmac = await hmacKey(JWT_SECRET);
  const ecJwk = (await crypto.subtle.exportKey("jwk", (ec as CryptoKeyPair).publicKey)) as JsonWebKey;
  const rsaJwk = (await crypto.subtle.exportKey("jwk", rsa.publicKey)) as JsonWebKey;
  authEnv = {
    ...env,
    TASKER_API_KEYS: JSON.stringify(API_KEYS),
    TASKER_JWT_SECRET: JWT_SECRET,
    TASKER_JWT_PUBLIC_KEY: JSON.stringify({
      keys: [
        { ...ecJwk, kid: "ec-1" },
        { ...rsaJwk, kid: "rsa-1" },
      ],
    }),
    TASKER_JWT_ISSUER: ISSUER,
    TASKER_JWT_AUDIENCE: AUDIENCE,
  } as Env;
});

afterEach(() => {
  vi.restoreAllMocks();
});

type Credentials = { key?: string; bearer?: string };

function call(
  path: string,
  { method = "GET", body, key, bearer }: Credentials & { method?: string; body?: unknown } = {},
  withEnv?: Env,
) {
  const headers = new Headers();
  if (body !== undefined) headers.set("content-type", "application/json");
  if (key !== undefined) headers.set("x-api-key", key);
  if (bearer !== undefined) headers.set("authorization", `Bearer ${bearer}`);
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = Promise.resolve(app.request(`http://tasker.test${path}`, init, withEnv ?? authEnv));
  if (method === "POST" && path === "/v1/tasks") void response.then((r) => recordCreated(r.clone()));
  return response;
}

/** Tasks this file submits over HTTP; they must all have settled before the file ends. */
const submitted: Promise<string | undefined>[] = [];
function recordCreated(response: Response): void {
  submitted.push(
    response.status === 201 ? response.json().then((task) => (task as TaskView).task_uuid) : Promise.resolve(undefined),
  );
}

/** Waits for every task submitted so far to settle (run before "configuration", whose module reset ends the objects' isolate). */
async function settleSubmitted(): Promise<void> {
  const uuids = (await Promise.all(submitted.splice(0))).filter((uuid): uuid is string => uuid !== undefined);
  await Promise.all(uuids.map((uuid) => waitForTask(uuid, hasStatus("complete", "blocked_by_failures", "error", "cancelled"))));
}

async function expectError(response: Response, status: number, code: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string; details?: unknown } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

async function expectUnauthorized(response: Response) {
  const error = await expectError(response, 401, "unauthorized");
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="tasker-edge"/);
  return error;
}

/**
 * A task in namespace `manual`, whose queue nobody consumes: it exists and stays put without a
 * handler running (a sleeping demo step would hold up the shared queue for everyone).
 */
const heldTask = () => createFromYaml(HELD_TEMPLATE);

async function blockedTask(): Promise<{ task: TaskView; failed: StepView }> {
  const task = await submit(demoTask("permanent_failure"));
  await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
  return { task, failed: await stepNamed(task.task_uuid, "validate_input") };
}

describe("authentication", () => {
  it("answers 401 with WWW-Authenticate when no credentials are sent", async () => {
    const response = await call("/v1/templates");
    await expectUnauthorized(response);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tasker-edge"');
  });

  it("answers 401 for an unknown key, and for a key of the right length with the wrong content", async () => {
    await expectUnauthorized(await call("/v1/templates", { key: "nope" }));
    const admin = keyOf("admin");
    const nearMiss = `${admin.slice(0, -1)}${admin.endsWith("f") ? "e" : "f"}`;
    expect(nearMiss).toHaveLength(admin.length);
    const response = await call("/v1/templates", { key: nearMiss });
    await expectUnauthorized(response);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    await expectUnauthorized(await call("/v1/templates", { bearer: nearMiss }));
  });

  it("accepts the key in X-API-Key and as a bearer token", async () => {
    expect((await call("/v1/templates", { key: keyOf("admin") })).status).toBe(200);
    expect((await call("/v1/templates", { bearer: keyOf("admin") })).status).toBe(200);
  });

  it("refuses other Authorization schemes and an empty X-API-Key", async () => {
    const basic = app.request(
      "http://tasker.test/v1/templates",
      { headers: { authorization: `Basic ${btoa(`admin:${keyOf("admin")}`)}` } },
      authEnv,
    );
    await expectUnauthorized(await basic);
    const empty = app.request("http://tasker.test/v1/templates", { headers: { "x-api-key": " " } }, authEnv);
    await expectUnauthorized(await empty);
  });

  it("accepts HS256, ES256 and RS256 tokens and reads their permissions", async () => {
    for (const [alg, key, kid] of [
      ["HS256", () => hmac, undefined],
      ["ES256", () => ecPrivate, "ec-1"],
      ["RS256", () => rsaPrivate, "rsa-1"],
    ] as const) {
      const token = await signJwt({ alg, typ: "JWT", ...(kid ? { kid } : {}) }, claims(), key());
      expect((await call("/v1/templates", { bearer: token })).status, alg).toBe(200);
      // The token grants tasks:read and templates:read, not tasks:create.
      const refused = await expectError(
        await call("/v1/tasks", { method: "POST", body: seedOrder(), bearer: token }),
        403,
        "forbidden",
      );
      expect(refused.details).toEqual({ required_permission: "tasks:create" });
    }
  });

  it("accepts the OAuth scope claim in place of permissions", async () => {
    const token = await signJwt({ alg: "HS256" }, claims({ permissions: undefined, scope: "openid templates:read" }), hmac);
    expect((await call("/v1/templates", { bearer: token })).status).toBe(200);
  });

  it("answers 401 for an expired token, a bad signature, alg none, and the wrong issuer or audience", async () => {
    const expired = await signJwt({ alg: "HS256" }, claims({ exp: now() - 120 }), hmac);
    expect((await expectUnauthorized(await call("/v1/templates", { bearer: expired }))).message).toContain("expired");

    const forged = await signJwt({ alg: "HS256" }, claims(), await hmacKey("another-secret-of-the-same-kind-0123456"));
    expect((await expectUnauthorized(await call("/v1/templates", { bearer: forged }))).message).toContain("signature");

    const unsigned = `${encodeJson({ alg: "none", typ: "JWT" })}.${encodeJson(claims({ permissions: ["*"] }))}.`;
    await expectUnauthorized(await call("/v1/templates", { bearer: unsigned }));
    const noneWithJunk = `${unsigned}AAAA`;
    expect((await expectUnauthorized(await call("/v1/templates", { bearer: noneWithJunk }))).message).toContain('"none"');

    const wrongIssuer = await signJwt({ alg: "HS256" }, claims({ iss: "https://evil.test" }), hmac);
    await expectUnauthorized(await call("/v1/templates", { bearer: wrongIssuer }));
    const wrongAudience = await signJwt({ alg: "ES256" }, claims({ aud: "someone-else" }), ecPrivate);
    await expectUnauthorized(await call("/v1/templates", { bearer: wrongAudience }));
  });

  it("answers 401 for a token whose permissions claim is malformed", async () => {
    const token = await signJwt({ alg: "HS256" }, claims({ permissions: "*" }), hmac);
    expect((await expectUnauthorized(await call("/v1/templates", { bearer: token }))).message).toContain("permissions");
  });

  it("keeps /health public while auth is on", async () => {
    const response = await call("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "healthy" });
  });

  it("refuses unknown /v1 paths before routing, so they reveal nothing to anonymous callers", async () => {
    await expectUnauthorized(await call("/v1/secret-things"));
    await expectError(await call("/v1/secret-things", { key: keyOf("admin") }), 404, "not_found");
  });
});

/** A one-step template in namespace `auth_test`, as JSON. */
const authTemplate = (name: string, namespace = "auth_test") => ({
  name,
  namespace_name: namespace,
  version: "1.0.0",
  steps: [{ name: "only", handler: { callable: "EchoHandler" } }],
});

describe("permissions", () => {
  afterAll(settleSubmitted, 30_000);

  beforeAll(async () => {
    const [held, toCancel, blocked, blocked2] = await Promise.all([heldTask(), heldTask(), blockedTask(), blockedTask()]);
    Object.assign(ids, {
      held: held.task_uuid,
      held_step: (await stepNamed(held.task_uuid, "held")).step_uuid,
      to_cancel: toCancel.task_uuid,
      blocked: blocked.task.task_uuid,
      blocked_2: blocked2.task.task_uuid,
      failed_step: blocked2.failed.step_uuid,
    });
  }, 30_000);

  // Placeholders in braces are filled in from `ids` once beforeAll has made the tasks.
  const ids: Record<string, string> = {};
  const resolve = (route: string) => route.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? name);
  const routes: { permission: Permission; method: string; route: string; body?: unknown; status: number }[] = [
    { permission: "tasks:create", method: "POST", route: "/v1/tasks", body: seedOrder(), status: 201 },
    { permission: "tasks:read", method: "GET", route: "/v1/tasks/{held}", status: 200 },
    { permission: "tasks:read", method: "GET", route: "/v1/tasks/{held}/transitions", status: 200 },
    { permission: "tasks:cancel", method: "DELETE", route: "/v1/tasks/{to_cancel}", status: 200 },
    {
      permission: "tasks:resolve",
      method: "PATCH",
      route: "/v1/tasks/{blocked}",
      body: { action_type: "give_up", reason: "test", performed_by: "auth.test" },
      status: 200,
    },
    { permission: "steps:read", method: "GET", route: "/v1/tasks/{held}/workflow_steps", status: 200 },
    { permission: "steps:read", method: "GET", route: "/v1/tasks/{held}/workflow_steps/{held_step}", status: 200 },
    {
      permission: "steps:read",
      method: "GET",
      route: "/v1/tasks/{held}/workflow_steps/{held_step}/audit",
      status: 200,
    },
    {
      permission: "steps:resolve",
      method: "PATCH",
      route: "/v1/tasks/{blocked_2}/workflow_steps/{failed_step}",
      body: { action_type: "resolve_manually", reason: "test", resolved_by: "auth.test" },
      status: 200,
    },
    { permission: "templates:read", method: "GET", route: "/v1/templates", status: 200 },
    { permission: "templates:read", method: "GET", route: "/v1/templates/ecommerce/order_fulfillment/1.0.0", status: 200 },
    { permission: "tasks:list", method: "GET", route: "/v1/tasks?namespace=manual", status: 200 },
    {
      permission: "templates:write",
      method: "PUT",
      route: "/v1/templates/auth_test/written/1.0.0",
      body: authTemplate("written"),
      status: 201,
    },
    {
      permission: "templates:validate",
      method: "POST",
      route: "/v1/templates/validate",
      body: authTemplate("checked"),
      status: 200,
    },
  ];

  it.each(routes)(
    "$method $route needs $permission: refused with every other permission, allowed with it alone",
    async (route) => {
      const path = resolve(route.route);
      const refused = await expectError(
        await call(path, { method: route.method, body: route.body, key: keyOf(ALL_BUT(route.permission)) }),
        403,
        "forbidden",
      );
      expect(refused.details).toEqual({ required_permission: route.permission });
      const allowed = await call(path, { method: route.method, body: route.body, key: keyOf(ONLY(route.permission)) });
      expect(allowed.status, await allowed.clone().text()).toBe(route.status);
    },
  );

  it("a refused mutation changes nothing", async () => {
    const task = await heldTask();
    await expectError(
      await call(`/v1/tasks/${task.task_uuid}`, { method: "DELETE", key: keyOf(ONLY("tasks:read")) }),
      403,
      "forbidden",
    );
    expect((await getTask(task.task_uuid)).status).not.toBe("cancelled");
  });

  it("grants a whole resource with resource:*", async () => {
    const key = keyOf("task-wildcard");
    expect((await call(`/v1/tasks/${ids.held}`, { key })).status).toBe(200);
    expect((await call("/v1/tasks", { method: "POST", body: seedOrder(), key })).status).toBe(201);
    await expectError(await call(`/v1/tasks/${ids.held}/workflow_steps`, { key }), 403, "forbidden");
  });

  it("declares a permission on every /v1 route", () => {
    const declared = new Map<string, Permission>();
    for (const route of app.routes) {
      const permission = requiredPermissionOf(route.handler);
      if (permission) declared.set(`${route.method} ${route.path}`, permission);
    }
    const served = app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/v1")).map((r) => `${r.method} ${r.path}`);
    expect(served.length).toBeGreaterThan(0);
    for (const route of served) expect(declared.get(route), `${route} has no requirePermission`).toBeDefined();
    expect(declared.get("PATCH /v1/tasks/:task_uuid")).toBe("tasks:resolve");
    expect(declared.get("PATCH /v1/tasks/:task_uuid/workflow_steps/:step_uuid")).toBe("steps:resolve");
  });
});

describe("namespace scoping", () => {
  afterAll(settleSubmitted, 30_000);

  const key = keyOf("ecommerce-only");
  let other: TaskView;

  beforeAll(async () => {
    other = await heldTask();
  });

  it("refuses creating a task in another namespace with 403, and allows its own", async () => {
    const refused = await expectError(
      await call("/v1/tasks", { method: "POST", body: demoTask("slow_step"), key }),
      403,
      "forbidden",
    );
    expect(refused.details).toEqual({ namespace: "demo" });
    expect((await call("/v1/tasks", { method: "POST", body: seedOrder(), key })).status).toBe(201);
  });

  it("answers 404 for every route on a task of another namespace, as if it did not exist", async () => {
    const step = await stepNamed(other.task_uuid, "held");
    const base = `/v1/tasks/${other.task_uuid}`;
    const attempts: [string, string, unknown?][] = [
      ["GET", base],
      ["GET", `${base}/transitions`],
      ["GET", `${base}/deliveries`],
      ["GET", `${base}/workflow_steps`],
      ["GET", `${base}/workflow_steps/${step.step_uuid}`],
      ["GET", `${base}/workflow_steps/${step.step_uuid}/audit`],
      ["PATCH", `${base}/workflow_steps/${step.step_uuid}`, { action_type: "resolve_manually", reason: "x", resolved_by: "x" }],
      ["PATCH", base, { action_type: "give_up", reason: "x", performed_by: "x" }],
      ["DELETE", base],
    ];
    for (const [method, path, body] of attempts) {
      const error = await expectError(await call(path, { method, body, key }), 404, "task_not_found");
      expect(error.message).toContain(other.task_uuid);
    }
    expect((await getTask(other.task_uuid)).status).not.toBe("cancelled");
    // Exactly what a task that does not exist answers.
    const missing = "0190a0a0-0000-7000-8000-000000000000";
    await expectError(await call(`/v1/tasks/${missing}`, { key }), 404, "task_not_found");
  });

  it("lets a scoped caller use tasks of its own namespaces", async () => {
    const created = await call("/v1/tasks", { method: "POST", body: seedOrder(), key });
    const task = (await created.json()) as TaskView;
    expect((await call(`/v1/tasks/${task.task_uuid}`, { key })).status).toBe(200);
    expect((await call(`/v1/tasks/${task.task_uuid}/workflow_steps`, { key })).status).toBe(200);
  });

  it("filters the template list to the caller's namespaces and refuses other templates", async () => {
    const list = (await (await call("/v1/templates", { key })).json()) as {
      namespaces: { name: string }[];
      templates: { namespace: string }[];
      total_count: number;
    };
    expect(list.total_count).toBeGreaterThan(0);
    expect(new Set(list.templates.map((t) => t.namespace))).toEqual(new Set(["ecommerce"]));
    expect(list.namespaces.map((n) => n.name)).toEqual(["ecommerce"]);
    const other = (await (await call("/v1/templates?namespace=demo", { key })).json()) as { total_count: number };
    expect(other.total_count).toBe(0);
    const all = (await (await call("/v1/templates", { key: keyOf("admin") })).json()) as { total_count: number };
    expect(all.total_count).toBeGreaterThan(list.total_count);

    await expectError(await call("/v1/templates/demo/slow_step/1.0.0", { key }), 403, "forbidden");
    expect((await call("/v1/templates/ecommerce/order_fulfillment/1.0.0", { key })).status).toBe(200);
  });

  it("lists only tasks of the caller's namespaces", async () => {
    const mine = (await (await call("/v1/tasks", { method: "POST", body: seedOrder(), key })).json()) as TaskView;
    await waitForTask(mine.task_uuid, hasStatus("complete"));
    const admin = keyOf("admin");
    // The index follows each object by one flush: wait until both tasks are listed for an unscoped caller.
    await vi.waitUntil(
      async () => {
        const all = (await (await call("/v1/tasks?per_page=100", { key: admin })).json()) as { tasks: { task_uuid: string }[] };
        const listed = new Set(all.tasks.map((t) => t.task_uuid));
        return listed.has(mine.task_uuid) && listed.has(other.task_uuid);
      },
      { timeout: 10_000, interval: 25 },
    );
    const scoped = (await (await call("/v1/tasks?per_page=100", { key })).json()) as { tasks: TaskView[] };
    expect(scoped.tasks.map((t) => t.task_uuid)).toContain(mine.task_uuid);
    expect(new Set(scoped.tasks.map((t) => t.namespace))).toEqual(new Set(["ecommerce"]));
    const elsewhere = (await (await call("/v1/tasks?namespace=manual", { key })).json()) as {
      tasks: unknown[];
      pagination: { total_count: number };
    };
    expect(elsewhere).toMatchObject({ tasks: [], pagination: { total_count: 0 } });
    const asAdmin = (await (await call("/v1/tasks?namespace=manual", { key: admin })).json()) as { tasks: TaskView[] };
    expect(asAdmin.tasks.map((t) => t.task_uuid)).toContain(other.task_uuid);
  });

  it("registers templates only in the caller's namespaces, and hides other namespaces' registered ones", async () => {
    const foreign = authTemplate("foreign", "scoped_other");
    const refused = await expectError(
      await call("/v1/templates/scoped_other/foreign/1.0.0", { method: "PUT", body: foreign, key }),
      403,
      "forbidden",
    );
    expect(refused.details).toEqual({ namespace: "scoped_other" });
    expect((await call("/v1/templates/scoped_other/foreign/1.0.0", { key: keyOf("admin") })).status).toBe(404);

    const admin = keyOf("admin");
    expect((await call("/v1/templates/scoped_other/foreign/1.0.0", { method: "PUT", body: foreign, key: admin })).status).toBe(
      201,
    );
    const own = authTemplate("own_one", "ecommerce");
    expect((await call("/v1/templates/ecommerce/own_one/1.0.0", { method: "PUT", body: own, key })).status).toBe(201);
    const list = (await (await call("/v1/templates", { key })).json()) as { templates: { namespace: string; name: string }[] };
    expect(list.templates.map((t) => t.name)).toContain("own_one");
    expect(list.templates.every((t) => t.namespace === "ecommerce")).toBe(true);
    await expectError(await call("/v1/templates/scoped_other/foreign/1.0.0", { key }), 403, "forbidden");
  });

  it("scopes a token by its namespaces claim", async () => {
    const token = await signJwt({ alg: "HS256" }, claims({ permissions: ["tasks:*"], namespaces: ["ecommerce"] }), hmac);
    await expectError(await call("/v1/tasks", { method: "POST", body: demoTask("slow_step"), bearer: token }), 403, "forbidden");
    await expectError(await call(`/v1/tasks/${other.task_uuid}`, { bearer: token }), 404, "task_not_found");
    expect((await call("/v1/tasks", { method: "POST", body: seedOrder(), bearer: token })).status).toBe(201);
  });
});

describe("configuration", () => {
  it("fails closed with 503 auth_misconfigured and logs why when the configuration is malformed", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = { ...env, TASKER_API_KEYS: '[{"name":"ci","key":"short","permissions":["task:create"]}]' } as Env;
    await expectError(await call("/v1/templates", { key: "short" }, broken), 503, "auth_misconfigured");
    const lines = errors.mock.calls.map(([line]) => JSON.parse(String(line)) as { evt: string; problems: string[] });
    const logged = lines.find((l) => l.evt === "auth.misconfigured");
    expect(logged?.problems).toHaveLength(2);
    expect(JSON.stringify(logged)).not.toContain('"short"');
    expect((await call("/health", {}, broken)).status).toBe(200);
  });

  it("is off when nothing is configured, and says so once per isolate", async () => {
    vi.resetModules();
    const fresh = (await import("../../src/api/app")).app;
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const plainEnv = { ...env } as Env;
    for (let i = 0; i < 3; i++) {
      const response = await fresh.request("http://tasker.test/v1/templates", {}, withOrchestrator(plainEnv));
      expect(response.status).toBe(200);
    }
    const disabled = warnings.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"evt":"auth.disabled"'));
    expect(disabled).toHaveLength(1);
    expect(JSON.parse(disabled[0] ?? "{}")).toMatchObject({ evt: "auth.disabled" });
  });
});
