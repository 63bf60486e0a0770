// createOrchestrator: an orchestrator serves only the templates and runs only the handlers it was given.
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createOrchestrator } from "tasker-edge";
import { type StepContext, StepHandler } from "tasker-edge/worker";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseTemplate } from "../../src/templates/loader";
import { heldMessage, newTaskInput, stepNamed } from "./helpers";

class GreetingHandler extends StepHandler {
  async call(context: StepContext) {
    return { greeting: `hello, ${context.getInputOr("name", "world")}` };
  }
}

/** Namespace `manual` has a producer binding nobody consumes, so each test delivers the messages itself. */
const template = (name: string, callable: string, namespace = "manual") => `
name: ${name}
namespace_name: ${namespace}
version: 1.0.0
description: One step, for the orchestrator factory's tests.
steps:
  - name: only
    handler: { callable: ${callable} }
`;

const request = (path: string, init?: RequestInit) => new Request(`http://tasker.test${path}`, init);
const post = (path: string, body: unknown) =>
  request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Logged lines of one level with this event, parsed. */
function logged(spy: { mock: { calls: unknown[][] } }, evt: string): Record<string, unknown>[] {
  return spy.mock.calls
    .map(([line]) => String(line))
    .filter((line) => line.includes(`"evt":"${evt}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function createTask(orchestrator: ReturnType<typeof createOrchestrator>, name: string): Promise<string> {
  const ctx = createExecutionContext();
  const response = await orchestrator.worker.fetch(
    post("/v1/tasks", { namespace: "manual", name, context: {}, initiator: "test", source_system: "vitest", reason: "test" }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { task_uuid: string }).task_uuid;
}

/** Hands the step's queue message to this orchestrator's queue consumer, as the queue would. */
async function deliver(
  orchestrator: ReturnType<typeof createOrchestrator>,
  taskUuid: string,
  stepName: string,
  workerEnv: object = env,
) {
  const held = await heldMessage(taskUuid, stepName);
  const batch = createMessageBatch("tasker-steps-manual", [
    { id: "m-1", timestamp: new Date(), attempts: 1, body: { task_uuid: taskUuid, attempt: 1, ...held } },
  ]);
  const ctx = createExecutionContext();
  await orchestrator.worker.queue(batch, workerEnv, ctx);
  return getQueueResult(batch, ctx);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createOrchestrator", () => {
  it("serves only the templates it was given", async () => {
    const orchestrator = createOrchestrator({ templates: [template("greet", "GreetingHandler")], handlers: [GreetingHandler] });
    const response = await orchestrator.worker.fetch(request("/v1/templates"), env, createExecutionContext());
    const { templates } = (await response.json()) as { templates: { namespace: string; name: string; origin: string }[] };
    expect(templates.filter((t) => t.origin === "bundled")).toEqual([
      expect.objectContaining({ namespace: "manual", name: "greet", origin: "bundled" }),
    ]);
    expect(templates.map((t) => t.name)).not.toContain("order_fulfillment");
    const seed = await orchestrator.worker.fetch(
      request("/v1/templates/ecommerce/order_fulfillment/1.0.0"),
      env,
      createExecutionContext(),
    );
    expect(seed.status).toBe(404);
  });

  it("runs its own handlers from its queue consumer", async () => {
    const orchestrator = createOrchestrator({ templates: [template("greet", "GreetingHandler")], handlers: [GreetingHandler] });
    const taskUuid = await createTask(orchestrator, "greet");
    expect((await deliver(orchestrator, taskUuid, "only")).explicitAcks).toEqual(["m-1"]);
    expect(await stepNamed(taskUuid, "only")).toMatchObject({ current_state: "complete", results: { greeting: "hello, world" } });
  });

  it("writes no info lines from a Worker whose TASKER_LOG_LEVEL is warn, and its warnings still", async () => {
    const orchestrator = createOrchestrator({
      templates: [template("quiet", "GreetingHandler"), template("loud", "GreetingHandler")],
      handlers: [GreetingHandler],
    });
    const infos = vi.spyOn(console, "log").mockImplementation(() => {});
    const quiet = await createTask(orchestrator, "quiet");
    const loud = await createTask(orchestrator, "loud");
    await deliver(orchestrator, quiet, "only", { ...env, TASKER_LOG_LEVEL: "warn" });
    expect(logged(infos, "step.handler.finished")).toEqual([]);
    // The next batch comes with the default level again, and its lines are written.
    await deliver(orchestrator, loud, "only");
    expect(logged(infos, "step.handler.finished")).toEqual([expect.objectContaining({ task_uuid: loud, outcome: "success" })]);
    expect(await stepNamed(quiet, "only")).toMatchObject({ current_state: "complete" });
  });

  it("fails a step whose callable it has no handler for with handler_not_found and a warn line, never another orchestrator's handler", async () => {
    // PaymentHandler is a handler of the development orchestrator in this same isolate, not of this one.
    const orchestrator = createOrchestrator({ templates: [template("pay", "PaymentHandler")], handlers: [GreetingHandler] });
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const taskUuid = await createTask(orchestrator, "pay");
    await deliver(orchestrator, taskUuid, "only");
    const step = await stepNamed(taskUuid, "only");
    expect(step.current_state).toBe("error");
    expect(step.last_error).toMatchObject({ error_code: "handler_not_found", retryable: false });
    expect(logged(warnings, "step.handler.not_found")).toEqual([
      expect.objectContaining({
        namespace: "manual",
        callable: "PaymentHandler",
        queue: "tasker-steps-manual",
        hint: expect.stringContaining("STEPS_MANUAL"),
      }),
    ]);
  });

  it("warns once, at its first request, of a namespace bound for STEPS_DEFAULT whose callable it has no handler for", async () => {
    const orchestrator = createOrchestrator({
      templates: [template("lonely", "ShoutHandler", "lonely")],
      handlers: [GreetingHandler],
    });
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 2; i++) await orchestrator.worker.fetch(request("/health/live"), env, createExecutionContext());
    expect(logged(warnings, "orchestrator.handler.missing")).toEqual([
      expect.objectContaining({ namespace: "lonely", callable: "ShoutHandler", queue: "STEPS_DEFAULT" }),
    ]);
  });

  it("is not ready while a namespace its queues option routes has no producer binding", async () => {
    const routed = (queues: Record<string, string>) =>
      createOrchestrator({ templates: [template("greet", "GreetingHandler")], handlers: [GreetingHandler], queues });
    vi.spyOn(console, "error").mockImplementation(() => {});
    const missing = await routed({ greetings: "STEPS_NOWHERE" }).worker.fetch(
      request("/health/ready"),
      env,
      createExecutionContext(),
    );
    expect(missing.status).toBe(503);
    expect(
      ((await missing.json()) as { error: { details: { checks: Record<string, string> } } }).error.details.checks.queues,
    ).toBe("missing binding STEPS_NOWHERE (namespace greetings)");
    const bound = await routed({ greetings: "STEPS_MANUAL" }).worker.fetch(
      request("/health/ready"),
      env,
      createExecutionContext(),
    );
    expect(((await bound.json()) as { checks: Record<string, string> }).checks.queues).toBe("ok");
  });

  it("takes its limits as the defaults of their Worker variables, which win when set", async () => {
    const twoSteps = `${template("pair", "GreetingHandler")}  - name: second
    handler: { callable: GreetingHandler }
    dependencies: [only]
`;
    const orchestrator = createOrchestrator({ templates: [twoSteps], handlers: [GreetingHandler], limits: { maxTaskSteps: 1 } });
    const body = { namespace: "manual", name: "pair", context: {}, initiator: "test", source_system: "vitest", reason: "test" };
    const refused = await orchestrator.worker.fetch(post("/v1/tasks", body), env, createExecutionContext());
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: "step_limit_exceeded" } });
    const raised = { ...env, TASKER_MAX_TASK_STEPS: "5" };
    const accepted = await orchestrator.worker.fetch(post("/v1/tasks", body), raised, createExecutionContext());
    expect(accepted.status, await accepted.clone().text()).toBe(201);
  });

  it("routes a namespace to the producer binding its queues option names", async () => {
    const orchestrator = createOrchestrator({
      templates: [template("greet", "GreetingHandler", "greetings")],
      handlers: [GreetingHandler],
      queues: { greetings: "STEPS_MANUAL" },
    });
    const parsed = parseTemplate(template("greet", "GreetingHandler", "greetings"));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const taskUuid = crypto.randomUUID();
    // This orchestrator's TaskObject class, on the storage of a fresh object.
    const binding = await runInDurableObject(env.TASKS.getByName(taskUuid), async (_instance, state) => {
      const object = new orchestrator.durableObjects.TaskObject(state, env);
      await object.create(newTaskInput(taskUuid, parsed.template));
      return (await object.inspect()).task?.queue_binding;
    });
    expect(binding).toBe("STEPS_MANUAL");
  });
});
