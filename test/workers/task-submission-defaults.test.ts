// The short submission: namespace, version, source_system and reason may be left out, and are resolved
// before the task's identity is taken, so a short and a full submission of one thing are one task.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_REASON, DEFAULT_SOURCE_SYSTEM } from "../../src/contract/requests";
import type { TaskView } from "../../src/task-object/views";
import { app } from "./dev-orchestrator";
import { api, errorOf, hasStatus, SEED_ORDER, waitForTask } from "./helpers";

const post = (body: unknown) =>
  api("/v1/tasks", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** A fresh template name, so no other test's registrations make it ambiguous. */
const freshName = (prefix: string) => `${prefix}_${crypto.randomUUID().slice(0, 8).replaceAll("-", "")}`;

const echoTemplate = (namespace: string, name: string, version: string) =>
  `name: ${name}\nnamespace_name: ${namespace}\nversion: "${version}"\nidentity_strategy: always_unique\nsteps:\n  - name: echo\n    handler: { callable: EchoHandler }\n`;

async function register(namespace: string, name: string, version: string, call = api): Promise<void> {
  const response = await call(`/v1/templates/${namespace}/${name}/${version}`, {
    method: "PUT",
    headers: { "content-type": "application/yaml" },
    body: echoTemplate(namespace, name, version),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

async function created(response: Response): Promise<TaskView> {
  expect(response.status, await response.clone().text()).toBe(201);
  const task = (await response.json()) as TaskView;
  await waitForTask(task.task_uuid, hasStatus("complete"));
  return task;
}

describe("POST /v1/tasks with only name, initiator and context", () => {
  it("accepts the seed's own submission, resolving the namespace and version and filling in the rest", async () => {
    const order_id = `ORD-${crypto.randomUUID().slice(0, 8)}`;
    const body = { name: "order_fulfillment", initiator: "api:checkout", context: { ...SEED_ORDER.context, order_id } };
    const task = await created(await post(body));
    expect(task).toMatchObject({
      name: "order_fulfillment",
      namespace: "ecommerce",
      version: "1.0.0",
      initiator: "api:checkout",
      source_system: DEFAULT_SOURCE_SYSTEM,
      reason: DEFAULT_REASON,
    });
  });

  it("gives a short and a full submission of the same thing the same identity", async () => {
    const context = { ...SEED_ORDER.context, order_id: `ORD-${crypto.randomUUID().slice(0, 8)}` };
    const full = await created(await post({ ...SEED_ORDER, context }));
    const duplicate = await errorOf(
      await post({ name: "order_fulfillment", initiator: "someone else", context }),
      409,
      "duplicate_task",
    );
    expect(duplicate.details).toMatchObject({ task_uuid: full.task_uuid });
  });

  it("runs the newest version in semver order, registered versions included", async () => {
    const name = freshName("versions");
    for (const version of ["1.9.0", "1.10.0-rc.1", "1.10.0", "1.2.0"]) await register("registered", name, version);
    const task = await created(await post({ name, namespace: "registered", initiator: "test", context: {} }));
    expect(task.version).toBe("1.10.0");
    const short = await created(await post({ name, initiator: "test", context: {} }));
    expect(short).toMatchObject({ namespace: "registered", version: "1.10.0" });
  });

  it("prefers the newest release to a newer pre-release, and takes a pre-release only when nothing is released", async () => {
    const name = freshName("prerelease");
    await register("registered", name, "2.0.0-rc.1");
    expect(await created(await post({ name, namespace: "registered", initiator: "test", context: {} }))).toMatchObject({
      version: "2.0.0-rc.1",
    });
    await register("registered", name, "1.4.0");
    const task = await created(await post({ name, namespace: "registered", initiator: "test", context: { again: true } }));
    expect(task.version).toBe("1.4.0");
  });

  it("refuses a name held by several namespaces, listing them, and takes it once a namespace is named", async () => {
    const name = freshName("shared");
    await register("shortform_b", name, "1.0.0");
    await register("shortform_a", name, "2.0.0");
    const ambiguous = await errorOf(await post({ name, initiator: "test", context: {} }), 400, "ambiguous_template");
    expect(ambiguous.details).toEqual({ name, namespaces: ["shortform_a", "shortform_b"] });
    const chosen = await created(await post({ name, namespace: "shortform_b", initiator: "test", context: {} }));
    expect(chosen).toMatchObject({ namespace: "shortform_b", version: "1.0.0" });
  });

  it("counts a bundled and a registered template of the same name as two candidates", async () => {
    // demo/permanent_failure is bundled; registering the name elsewhere makes the short form ambiguous.
    await register("shortform_a", "permanent_failure", "1.0.0");
    const ambiguous = await errorOf(
      await post({ name: "permanent_failure", initiator: "test", context: {} }),
      400,
      "ambiguous_template",
    );
    expect(ambiguous.details).toEqual({ name: "permanent_failure", namespaces: ["demo", "shortform_a"] });
  });

  it("answers 404 for a name no namespace holds", async () => {
    const name = freshName("nowhere");
    const unknown = await errorOf(await post({ name, initiator: "test", context: {} }), 404, "template_not_found");
    expect(unknown.message).toContain(name);
  });

  it("looks only in the caller's namespaces, so another namespace's template neither blocks nor leaks", async () => {
    const name = freshName("scoped");
    await register("shortform_a", name, "1.0.0");
    await register("shortform_b", name, "1.0.0");
    const keys = [
      { name: "only-a", key: "key-only-a-0123456789abcdef", permissions: ["*"], namespaces: ["shortform_a"] },
      { name: "only-c", key: "key-only-c-0123456789abcdef", permissions: ["*"], namespaces: ["shortform_c"] },
    ];
    const scopedEnv = { ...env, TASKER_API_KEYS: JSON.stringify(keys) } as Env;
    const as = (key: string) =>
      app.request(
        "http://tasker.test/v1/tasks",
        {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": key },
          body: JSON.stringify({ name, initiator: "test", context: {} }),
        },
        scopedEnv,
      );
    const mine = await created(await as("key-only-a-0123456789abcdef"));
    expect(mine.namespace).toBe("shortform_a");
    await errorOf(await as("key-only-c-0123456789abcdef"), 404, "template_not_found");
  });
});
