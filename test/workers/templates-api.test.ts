// Templates over the API: registration (YAML and JSON), immutability, validation, and running a registered template.
import { describe, expect, it } from "vitest";
import { exampleTemplates } from "../../examples/orchestrator/src/templates";
import { MAX_TEMPLATE_SOURCE_BYTES } from "../../src/engine/limits";
import { api, errorOf, hasStatus, stepNamed, submit, waitForTask } from "./helpers";

/** A two-step template run by the embedded EchoHandler; `version` and `maxAttempts` make variants. */
function echoTemplate({ name = "echo_chain", version = "1.0.0", maxAttempts = 2 } = {}) {
  return `
name: ${name}
namespace_name: registered
version: ${version}
description: Two echoes, registered over the API.
input_schema:
  type: object
  required: [greeting]
steps:
  - name: first_echo
    handler: { callable: EchoHandler }
    retry: { max_attempts: ${maxAttempts} }
  - name: second_echo
    depends_on: [first_echo]
    handler: { callable: echo }
`;
}

const path = (name: string, version = "1.0.0", namespace = "registered") => `/v1/templates/${namespace}/${name}/${version}`;

function put(url: string, body: string | Uint8Array, contentType: string | null = "application/yaml"): Promise<Response> {
  const headers: Record<string, string> = contentType === null ? {} : { "content-type": contentType };
  return api(url, { method: "PUT", headers, body });
}

function validate(body: string, contentType = "application/yaml"): Promise<Response> {
  return api("/v1/templates/validate", { method: "POST", headers: { "content-type": contentType }, body });
}

describe("PUT /v1/templates/{namespace}/{name}/{version}", () => {
  it("registers a YAML template with 201 and serves it like a bundled one", async () => {
    const response = await put(path("yaml_first"), echoTemplate({ name: "yaml_first" }));
    expect(response.status, await response.clone().text()).toBe(201);
    const created = (await response.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      namespace: "registered",
      name: "yaml_first",
      version: "1.0.0",
      origin: "registered",
      registered_by: "anonymous",
    });
    expect(created.content_hash).toMatch(/^[0-9a-f]{64}$/);

    const shown = (await (await api(path("yaml_first"))).json()) as { steps: { name: string; dependencies: string[] }[] };
    expect(shown).toMatchObject({ origin: "registered", content_hash: created.content_hash });
    expect(shown.steps.map((s) => [s.name, s.dependencies])).toEqual([
      ["first_echo", []],
      ["second_echo", ["first_echo"]],
    ]);

    const list = (await (await api("/v1/templates")).json()) as {
      templates: { namespace: string; name: string; origin: string }[];
      namespaces: { name: string; template_count: number }[];
    };
    expect(list.templates).toContainEqual(expect.objectContaining({ name: "yaml_first", origin: "registered" }));
    expect(list.templates).toContainEqual(expect.objectContaining({ name: "order_fulfillment", origin: "bundled" }));
    expect(list.namespaces.map((n) => n.name)).toContain("registered");
    const only = (await (await api("/v1/templates?namespace=registered")).json()) as { templates: { namespace: string }[] };
    expect(new Set(only.templates.map((t) => t.namespace))).toEqual(new Set(["registered"]));
  });

  it("registers a JSON template, and answers 200 to the same content again, in either format", async () => {
    const template = {
      name: "json_first",
      namespace_name: "registered",
      version: "2.0.0",
      steps: [{ name: "only", handler: { callable: "EchoHandler" } }],
    };
    const first = await put(path("json_first", "2.0.0"), JSON.stringify(template), "application/json");
    expect(first.status, await first.clone().text()).toBe(201);
    const hash = ((await first.json()) as { content_hash: string }).content_hash;

    const again = await put(path("json_first", "2.0.0"), JSON.stringify(template), "application/json; charset=utf-8");
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ content_hash: hash });

    // The same template as YAML, keys reordered and defaults spelt out: the loaded template is equal.
    const yaml = `
version: "2.0.0"
namespace_name: registered
name: json_first
identity_strategy: strict
steps:
  - handler: { callable: EchoHandler, initialization: {} }
    name: only
    timeout_seconds: 30
`;
    const asYaml = await put(path("json_first", "2.0.0"), yaml, "text/yaml");
    expect(asYaml.status, await asYaml.clone().text()).toBe(200);
  });

  it("refuses different content for a registered version with 409, naming what differs", async () => {
    expect((await put(path("immutable"), echoTemplate({ name: "immutable" }))).status).toBe(201);
    const before = (await (await api(path("immutable"))).json()) as { content_hash: string; steps: unknown[] };
    const error = await errorOf(
      await put(path("immutable"), echoTemplate({ name: "immutable", maxAttempts: 5 })),
      409,
      "template_version_exists",
    );
    expect(error.details).toMatchObject({
      origin: "registered",
      existing_content_hash: before.content_hash,
      differences: ["steps[0].retry.max_attempts"],
    });
    expect((error.details as { content_hash: string }).content_hash).not.toBe(before.content_hash);
    // The registered version is unchanged, and a new version is welcome.
    expect(await (await api(path("immutable"))).json()).toEqual(before);
    expect(
      (await put(path("immutable", "1.0.1"), echoTemplate({ name: "immutable", version: "1.0.1", maxAttempts: 5 }))).status,
    ).toBe(201);
  });

  it("lets exactly one of two concurrent registrations of a version with different content win", async () => {
    const [a, b] = await Promise.all([
      put(path("raced"), echoTemplate({ name: "raced", maxAttempts: 3 })),
      put(path("raced"), echoTemplate({ name: "raced", maxAttempts: 4 })),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const [c, d] = await Promise.all([
      put(path("raced_same"), echoTemplate({ name: "raced_same" })),
      put(path("raced_same"), echoTemplate({ name: "raced_same" })),
    ]);
    expect([c.status, d.status].sort()).toEqual([200, 201]);
  });

  it("treats bundled versions as registered: the same content is 200, other content 409", async () => {
    const bundled = exampleTemplates.find((s) => s.path === "templates/demo/slow_step.yaml");
    if (!bundled) throw new Error("slow_step.yaml is not bundled");
    const same = await put(path("slow_step", "1.0.0", "demo"), bundled.source);
    expect(same.status, await same.clone().text()).toBe(200);
    expect(await same.json()).toMatchObject({ origin: "bundled", name: "slow_step" });

    const changed = bundled.source.replace(/description: .*/, "description: Something else.");
    expect(changed).not.toBe(bundled.source);
    const error = await errorOf(await put(path("slow_step", "1.0.0", "demo"), changed), 409, "template_version_exists");
    expect(error.details).toMatchObject({ origin: "bundled", differences: ["description"] });
  });

  it("reports every problem of an invalid template with its key path, and stores nothing", async () => {
    const broken = `
name: broken_one
namespace_name: registered
version: 1.0.0
steps:
  - name: a
    handler: { callable: EchoHandler }
    timeout_secs: 10
  - name: b
    dependencies: [a, nowhere]
    handler: { callable: EchoHandler }
    retry: { max_attempts: 0 }
`;
    const error = await errorOf(await put(path("broken_one"), broken), 400, "invalid_template");
    const problems = error.details as { path: string; message: string }[];
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(["steps[0].timeout_secs", "steps[1].dependencies[1]", "steps[1].retry.max_attempts"]),
    );
    expect(problems.find((p) => p.path === "steps[0].timeout_secs")?.message).toContain("timeout_seconds");
    await errorOf(await api(path("broken_one")), 404, "template_not_found");
  });

  it("refuses a template that would start itself as a child task, directly or through a registered template", async () => {
    const starter = (name: string, child: string) => `
name: ${name}
namespace_name: registered
version: 1.0.0
steps:
  - name: run_child
    handler: { callable: WorkflowHandler, initialization: { task_template: ${child}, version: "1.0.0" } }
`;
    const itself = await errorOf(await put(path("loop_self"), starter("loop_self", "loop_self")), 400, "workflow_cycle");
    expect(itself.details).toEqual({ loop: ["registered/loop_self@1.0.0", "registered/loop_self@1.0.0"] });
    // loop_a names loop_b before it exists, which is fine; loop_b naming loop_a would close the loop.
    expect((await put(path("loop_a"), starter("loop_a", "loop_b"))).status).toBe(201);
    const closing = await errorOf(await put(path("loop_b"), starter("loop_b", "loop_a")), 400, "workflow_cycle");
    expect(closing.message).toContain("registered/loop_b@1.0.0 → registered/loop_a@1.0.0 → registered/loop_b@1.0.0");
    expect((await api(path("loop_b"))).status).toBe(404);
  });

  it("answers 400 with the mismatching keys when the body's identity differs from the URL's", async () => {
    const error = await errorOf(
      await put(path("echo_chain", "9.9.9"), echoTemplate({ name: "echo_chain", version: "1.0.0" })),
      400,
      "template_identity_mismatch",
    );
    expect(error.details).toEqual([{ path: "version", message: 'is "1.0.0" but the URL says "9.9.9"' }]);
  });

  it("refuses other media types (415), an empty body (400) and an oversized one (413)", async () => {
    await errorOf(
      await put(path("echo_chain"), echoTemplate(), "application/x-www-form-urlencoded"),
      415,
      "unsupported_media_type",
    );
    await errorOf(await put(path("echo_chain"), "  \n", "application/yaml"), 400, "empty_body");
    const huge = `${echoTemplate()}\n# ${"x".repeat(MAX_TEMPLATE_SOURCE_BYTES)}\n`;
    await errorOf(await put(path("echo_chain"), huge), 413, "template_too_large");
  });

  it("reads a body sent as text/plain, or without a Content-Type, as YAML", async () => {
    const plain = await put(path("plain_text"), echoTemplate({ name: "plain_text" }), "text/plain;charset=UTF-8");
    expect(plain.status, await plain.clone().text()).toBe(201);
    const bytes = new TextEncoder().encode(echoTemplate({ name: "no_content_type" }));
    const untyped = await put(path("no_content_type"), bytes, null);
    expect(untyped.status, await untyped.clone().text()).toBe(201);
  });

  it("answers 400 invalid_encoding for a body that is not UTF-8", async () => {
    await errorOf(await put(path("echo_chain"), new Uint8Array([0x6e, 0x61, 0xff, 0xfe])), 400, "invalid_encoding");
  });

  it("answers a syntax error with 400 and the line it is on", async () => {
    const error = await errorOf(await put(path("echo_chain"), "name: [unclosed\nsteps: -"), 400, "invalid_template");
    expect((error.details as { path: string; message: string }[])[0]?.message).toMatch(/YAML syntax error at line \d+/);
  });
});

describe("POST /v1/templates/validate", () => {
  it("answers valid: true with the template's identity and hash, and stores nothing", async () => {
    const response = await validate(echoTemplate({ name: "only_validated" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      valid: true,
      problems: [],
      template: { namespace: "registered", name: "only_validated", version: "1.0.0", step_count: 2 },
    });
    await errorOf(await api(path("only_validated")), 404, "template_not_found");
  });

  it("answers 200 with valid: false and every problem with its key path, syntax errors included", async () => {
    const cyclic = `
name: cyclic
namespace_name: registered
version: 1.0.0
steps:
  - { name: a, dependencies: [b], handler: { callable: EchoHandler } }
  - { name: b, dependencies: [a], handler: { callable: EchoHandler } }
  - { name: c, handler: {} }
`;
    const response = await validate(cyclic);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { valid: boolean; problems: { path: string; message: string }[] };
    expect(body.valid).toBe(false);
    expect(body.problems.some((p) => p.message.includes("cycle"))).toBe(true);
    expect(body.problems.map((p) => p.path)).toContain("steps[2].handler.callable");

    const json = (await (await validate('{"name": "x",', "application/json")).json()) as typeof body;
    expect(json).toMatchObject({ valid: false, problems: [{ path: "" }] });
    expect(json.problems[0]?.message).toContain("JSON syntax error");
  });

  it("refuses a body that cannot be a template: another media type (415) or nothing (400)", async () => {
    await errorOf(await validate(echoTemplate(), "application/xml"), 415, "unsupported_media_type");
    await errorOf(await validate(""), 400, "empty_body");
  });
});

describe("a task from a registered template", () => {
  it("runs end to end, with the template's input_schema enforced", async () => {
    expect((await put(path("runnable"), echoTemplate({ name: "runnable" }))).status).toBe(201);
    const request = {
      name: "runnable",
      namespace: "registered",
      version: "1.0.0",
      initiator: "test",
      source_system: "vitest",
      reason: "run a registered template",
    };
    const refused = await api("/v1/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...request, context: {} }),
    });
    await errorOf(refused, 400, "invalid_context");

    const task = await submit({ ...request, context: { greeting: "hello" } });
    const done = await waitForTask(task.task_uuid, hasStatus("complete", "blocked_by_failures", "error"));
    expect(done.status).toBe("complete");
    expect((await stepNamed(task.task_uuid, "second_echo")).results).toEqual({
      echoed: { greeting: "hello" },
      from: ["first_echo"],
    });
  });

  it("can start a registered template as a sub-workflow's child, the newest version when none is named", async () => {
    const child = (version: string, tag: string) => `
name: registered_child
namespace_name: registered
version: ${version}
steps:
  - name: tagged
    handler: { callable: EchoHandler, initialization: { tag: ${tag} } }
`;
    expect((await put(path("registered_child", "1.2.0"), child("1.2.0", "old"))).status).toBe(201);
    expect((await put(path("registered_child", "1.10.0"), child("1.10.0", "newest"))).status).toBe(201);
    const parent = `
name: registered_parent
namespace_name: registered
version: 1.0.0
steps:
  - name: run_child
    handler:
      callable: WorkflowHandler
      initialization:
        task_template: registered_child
        context_mapping: { greeting: context.greeting }
`;
    expect((await put(path("registered_parent"), parent)).status).toBe(201);
    const task = await submit({
      name: "registered_parent",
      namespace: "registered",
      version: "1.0.0",
      context: { greeting: "hi" },
      initiator: "test",
      source_system: "vitest",
      reason: "registered sub-workflow",
    });
    const done = await waitForTask(task.task_uuid, hasStatus("complete", "blocked_by_failures", "error"));
    expect(done.status).toBe("complete");
    const step = await stepNamed(task.task_uuid, "run_child");
    const childTask = (await (await api(`/v1/tasks/${step.child_task_uuid}`)).json()) as { version: string };
    expect(childTask.version).toBe("1.10.0");
  });

  it("nests sub-workflows: a grandchild's results reach the root through each parent step", async () => {
    const level = (name: string, child: string | null) => `
name: ${name}
namespace_name: registered
version: 1.0.0
steps:
  - name: ${child === null ? "leaf" : "run_child"}
    handler: ${child === null ? "{ callable: EchoHandler }" : `{ callable: WorkflowHandler, initialization: { task_template: ${child}, version: "1.0.0" } }`}
`;
    for (const [name, child] of [
      ["nest_leaf", null],
      ["nest_middle", "nest_leaf"],
      ["nest_root", "nest_middle"],
    ] as const) {
      expect((await put(path(name), level(name, child))).status).toBe(201);
    }
    const root = await submit({
      name: "nest_root",
      namespace: "registered",
      version: "1.0.0",
      context: { depth: 3 },
      initiator: "test",
      source_system: "vitest",
      reason: "nested sub-workflows",
    });
    await waitForTask(root.task_uuid, hasStatus("complete"));
    const rootStep = await stepNamed(root.task_uuid, "run_child");
    expect(rootStep.results).toEqual({ run_child: { leaf: { echoed: { depth: 3 }, from: [] } } });
    const middle = (await (await api(`/v1/tasks/${rootStep.child_task_uuid}`)).json()) as Record<string, unknown>;
    expect(middle).toMatchObject({ name: "nest_middle", parent_task_uuid: root.task_uuid, correlation_id: root.correlation_id });
    const middleStep = await stepNamed(middle.task_uuid as string, "run_child");
    const leaf = (await (await api(`/v1/tasks/${middleStep.child_task_uuid}`)).json()) as Record<string, unknown>;
    expect(leaf).toMatchObject({ name: "nest_leaf", parent_task_uuid: middle.task_uuid, correlation_id: root.correlation_id });
  });

  it("answers 404 template_not_found for a version nobody registered", async () => {
    const response = await api("/v1/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "runnable",
        namespace: "registered",
        version: "7.7.7",
        context: {},
        initiator: "test",
        source_system: "vitest",
        reason: "missing",
      }),
    });
    await errorOf(response, 404, "template_not_found");
  });
});
