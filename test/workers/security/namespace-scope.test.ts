// A namespace-scoped caller never causes work outside its namespaces, through any chain of child tasks:
// refused at registration, at task creation, and when a child actually starts.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { NAMESPACE_OUT_OF_SCOPE } from "../../../src/engine/namespace-scope";
import type { TaskView } from "../../../src/task-object/views";
import { signHs256 } from "../../support/jwt";
import { app } from "../dev-orchestrator";
import { api, createFromYaml, getTask, hasStatus, heldMessage, stepNamed, taskStub, waitForStep, waitForTask } from "../helpers";

// The suite's wrangler.toml configures no credentials; these tests hand the app an env with keys added.
const keyOf = (name: string) => `key-${name}-0123456789abcdef`;
const API_KEYS = [
  { name: "admin", key: keyOf("admin"), permissions: ["*"] },
  { name: "scoped-a", key: keyOf("scoped-a"), permissions: ["*"], namespaces: ["scope_a"] },
  { name: "scoped-ab", key: keyOf("scoped-ab"), permissions: ["*"], namespaces: ["scope_a", "scope_b"] },
  // `manual` has a queue nobody consumes: the test decides when a held step finishes.
  { name: "scoped-manual", key: keyOf("scoped-manual"), permissions: ["*"], namespaces: ["manual"] },
];
const JWT_SECRET = "hs256-secret-for-scope-tests-0123456789";
const authEnv = { ...env, TASKER_API_KEYS: JSON.stringify(API_KEYS), TASKER_JWT_SECRET: JWT_SECRET } as Env;

const hs256 = (claims: Record<string, unknown>) => signHs256(JWT_SECRET, { exp: Math.floor(Date.now() / 1000) + 300, ...claims });

type Caller = { key: string } | { bearer: string };

function call(path: string, caller: Caller, { method = "GET", body }: { method?: string; body?: unknown } = {}) {
  const headers = new Headers("key" in caller ? { "x-api-key": caller.key } : { authorization: `Bearer ${caller.bearer}` });
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers.set("content-type", "application/json");
    init.body = JSON.stringify(body);
  }
  return app.request(`http://tasker.test${path}`, init, authEnv);
}

const admin: Caller = { key: keyOf("admin") };
const scopedA: Caller = { key: keyOf("scoped-a") };
const scopedAB: Caller = { key: keyOf("scoped-ab") };
const scopedManual: Caller = { key: keyOf("scoped-manual") };

type Step = { name: string; callable: string; child?: { task_template: string; namespace?: string }; after?: string[] };

/** A template as JSON: echo steps, and workflow steps that start `child`. */
function template(namespace: string, name: string, steps: Step[], version = "1.0.0") {
  return {
    name,
    namespace_name: namespace,
    version,
    steps: steps.map((s) => ({
      name: s.name,
      handler: s.child ? { callable: "WorkflowHandler", initialization: s.child } : { callable: s.callable },
      dependencies: s.after ?? [],
    })),
  };
}
const echo = (name = "echo"): Step => ({ name, callable: "EchoHandler" });
const startChild = (task_template: string, namespace?: string, name = "start_child"): Step => ({
  name,
  callable: "WorkflowHandler",
  child: namespace === undefined ? { task_template } : { task_template, namespace },
});

async function register(caller: Caller, body: ReturnType<typeof template>): Promise<Response> {
  return call(`/v1/templates/${body.namespace_name}/${body.name}/${body.version}`, caller, { method: "PUT", body });
}

async function registerAsAdmin(body: ReturnType<typeof template>): Promise<void> {
  const response = await register(admin, body);
  expect([200, 201], await response.clone().text()).toContain(response.status);
}

const taskBody = (namespace: string, name: string, context: Record<string, unknown> = {}) => ({
  name,
  namespace,
  version: "1.0.0",
  context,
  initiator: "scope-test",
  source_system: "vitest",
  reason: "namespace scope",
});

async function expectOutOfScope(response: Response) {
  const text = await response.text();
  expect(response.status, text).toBe(403);
  const error = (
    JSON.parse(text) as { error: { code: string; message: string; details: { namespace: string; chain: string[] } } }
  ).error;
  expect(error.code).toBe(NAMESPACE_OUT_OF_SCOPE);
  return error;
}

async function created(response: Response): Promise<TaskView> {
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

beforeAll(async () => {
  // scope_a/top → scope_a/middle → scope_b/leaf, all registered by an unscoped key.
  await registerAsAdmin(template("scope_b", "leaf", [echo()]));
  await registerAsAdmin(template("scope_a", "middle", [startChild("leaf", "scope_b")]));
  await registerAsAdmin(template("scope_a", "top", [startChild("middle")]));
});

describe("registering a template", () => {
  it("refuses a scoped caller's template whose workflow step names another namespace, with namespace_out_of_scope", async () => {
    const escaping = template("scope_a", "direct_escape", [startChild("leaf", "scope_b")]);
    const error = await expectOutOfScope(await register(scopedA, escaping));
    expect(error.details).toEqual({ namespace: "scope_b", chain: ["scope_a/direct_escape@1.0.0", "scope_b/leaf"] });
    expect(error.message).toContain("scoped-a");
    // Nothing was stored.
    expect((await call("/v1/templates/scope_a/direct_escape/1.0.0", admin)).status).toBe(404);
    // Judged by the name alone: a child that does not exist anywhere is refused all the same.
    const ghost = template("scope_a", "ghost_escape", [startChild("no_such_template", "scope_c")]);
    expect((await expectOutOfScope(await register(scopedA, ghost))).details.namespace).toBe("scope_c");
  });

  it("refuses one whose child would, through the catalog, start a task in another namespace", async () => {
    const indirect = template("scope_a", "indirect_escape", [startChild("middle")]);
    const error = await expectOutOfScope(await register(scopedA, indirect));
    expect(error.details.chain).toEqual(["scope_a/indirect_escape@1.0.0", "scope_a/middle@1.0.0", "scope_b/leaf"]);
  });

  it("accepts children in the caller's namespaces, named or implied by leaving the namespace out", async () => {
    const own = template("scope_a", "own_children", [
      startChild("leaf_a", undefined, "implied"),
      startChild("leaf_a", "scope_a", "named"),
    ]);
    await registerAsAdmin(template("scope_a", "leaf_a", [echo()]));
    expect((await register(scopedA, own)).status).toBe(201);
    // A caller scoped to both namespaces may register the cross-namespace one.
    expect((await register(scopedAB, template("scope_a", "direct_escape", [startChild("leaf", "scope_b")]))).status).toBe(201);
  });
});

describe("creating a task", () => {
  it("refuses a scoped caller when a transitive child runs outside its namespaces (a → a/middle → b/leaf)", async () => {
    const context = { run: crypto.randomUUID() };
    const error = await expectOutOfScope(
      await call("/v1/tasks", scopedA, { method: "POST", body: taskBody("scope_a", "top", context) }),
    );
    expect(error.details).toEqual({
      namespace: "scope_b",
      chain: ["scope_a/top@1.0.0", "scope_a/middle@1.0.0", "scope_b/leaf"],
    });
    // No task was made: the same request from an unscoped key is the first of its identity, not a duplicate.
    const task = await created(await call("/v1/tasks", admin, { method: "POST", body: taskBody("scope_a", "top", context) }));
    await waitForTask(task.task_uuid, hasStatus("complete"));
  });

  it("refuses a token scoped by its namespaces claim, and lets one without the claim through", async () => {
    const scoped = await hs256({ sub: "svc-scoped", permissions: ["tasks:create"], namespaces: ["scope_a"] });
    await expectOutOfScope(await call("/v1/tasks", { bearer: scoped }, { method: "POST", body: taskBody("scope_a", "middle") }));
    const unscoped = await hs256({ sub: "svc-everywhere", permissions: ["tasks:create"] });
    const task = await created(
      await call("/v1/tasks", { bearer: unscoped }, { method: "POST", body: taskBody("scope_a", "middle") }),
    );
    expect(task.created_by).toBe("svc-everywhere");
    await waitForTask(task.task_uuid, hasStatus("complete"));
  });

  it("lets unscoped keys and keys holding every namespace on the chain run cross-namespace sub-workflows", async () => {
    for (const [caller, name] of [
      [admin, "admin"],
      [scopedAB, "scoped-ab"],
    ] as const) {
      const root = await created(
        await call("/v1/tasks", caller, { method: "POST", body: taskBody("scope_a", "top", { by: name }) }),
      );
      expect(root.created_by).toBe(name);
      await waitForTask(root.task_uuid, hasStatus("complete"));
      const middle = await getTask((await stepNamed(root.task_uuid, "start_child")).child_task_uuid as string);
      const leaf = await getTask((await stepNamed(middle.task_uuid, "start_child")).child_task_uuid as string);
      expect(leaf).toMatchObject({ namespace: "scope_b", status: "complete", created_by: name });
      // The leaf's results came back up through both workflow steps.
      expect((await stepNamed(root.task_uuid, "start_child")).results).toEqual({
        start_child: { echo: { echoed: { by: name }, from: [] } },
      });
    }
  });
});

describe("starting a child task", () => {
  it("fails the workflow step with namespace_out_of_scope when a version registered after creation leaves the scope", async () => {
    // manual/scope_parent holds on a step nobody consumes, then starts the newest manual/scope_child.
    await registerAsAdmin(template("manual", "scope_child", [echo()]));
    await registerAsAdmin(template("manual", "scope_parent", [echo("held"), { ...startChild("scope_child"), after: ["held"] }]));
    // Today the only child is scope_child@1.0.0, one echo step: creation passes the check.
    const parent = await created(
      await call("/v1/tasks", scopedManual, { method: "POST", body: taskBody("manual", "scope_parent") }),
    );
    expect(parent.created_by).toBe("scoped-manual");

    // Then an unscoped key registers a newer scope_child whose step starts a task in scope_b.
    await registerAsAdmin(template("manual", "scope_child", [startChild("leaf", "scope_b", "go_out")], "2.0.0"));
    const held = await heldMessage(parent.task_uuid, "held");
    await taskStub(parent.task_uuid).claim(held.step_uuid, held.dispatch_id);
    await taskStub(parent.task_uuid).report(held.step_uuid, held.dispatch_id, { success: true, result: {} });

    // The child (in scope) starts, as scope_child@2.0.0, acting for the parent's creator within its scope.
    const step = await waitForStep(parent.task_uuid, "start_child", (s) => s.child_task_uuid !== null);
    const child = await waitForTask(step.child_task_uuid as string, hasStatus("blocked_by_failures", "complete"));
    expect(child).toMatchObject({
      namespace: "manual",
      version: "2.0.0",
      status: "blocked_by_failures",
      created_by: "scoped-manual",
    });
    const goOut = await stepNamed(child.task_uuid, "go_out");
    expect(goOut.last_error).toMatchObject({ error_code: NAMESPACE_OUT_OF_SCOPE, retryable: false });
    expect(goOut.last_error?.message).toContain("scope_b");
    // The grandchild was never created, and the parent's step is still waiting on its child.
    expect((await api(`/v1/tasks/${goOut.child_task_uuid}`)).status).toBe(404);
    expect((await stepNamed(parent.task_uuid, "start_child")).current_state).toBe("in_progress");
  });

  it("holds for a task created with a recorded scope, whoever created it", async () => {
    const { task_uuid: taskUuid } = await createFromYaml(
      `
name: direct_escape
namespace_name: fulfillment
version: 1.0.0
steps:
  - name: start_child
    handler: { callable: WorkflowHandler, initialization: { task_template: chain3, namespace: bench } }
`,
      {},
      undefined,
      { created_by: "fulfillment-only", namespace_scope: ["fulfillment"] },
    );
    await waitForTask(taskUuid, hasStatus("blocked_by_failures"));
    const step = await stepNamed(taskUuid, "start_child");
    expect(step.last_error).toMatchObject({ error_code: NAMESPACE_OUT_OF_SCOPE, retryable: false });
    expect((await api(`/v1/tasks/${step.child_task_uuid}`)).status).toBe(404);
  });
});
