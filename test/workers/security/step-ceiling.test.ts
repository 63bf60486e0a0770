import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BATCH_WORKERS } from "../../../src/engine/dynamic-steps";
import { DEFAULT_MAX_TASK_STEPS, STEP_LIMIT_EXCEEDED } from "../../../src/engine/limits";
import { planChildTask } from "../../../src/task-object/child-tasks";
import type { StepRow, TaskRow } from "../../../src/task-object/store";
import { BatchOutcome } from "../../../src/worker/outcomes";
import { app, withOrchestrator } from "../dev-orchestrator";
import { createFromYaml, heldMessage, SEED_ORDER, stepNamed, taskStub } from "../helpers";

// Hole 6 of issue 11: a 174-byte request started a 2,000-step batch, and a template may hold several
// batchable steps. A task never holds more steps than its ceiling (TASKER_MAX_TASK_STEPS): a template
// beyond it is refused, and a batch or decision that would cross it fails the step that made it.

const withVars = (vars: Record<string, unknown>) => ({ ...env, ...vars }) as Env;

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

describe("a template with more steps than the ceiling", () => {
  const lowCeiling = withVars({ TASKER_MAX_TASK_STEPS: "2" });

  it("is refused at task creation with 400 step_limit_exceeded", async () => {
    const response = await app.request("http://tasker.test/v1/tasks", json("POST", SEED_ORDER), lowCeiling);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: STEP_LIMIT_EXCEEDED, details: { max_task_steps: 2 } },
    });
  });

  it("is refused at registration", async () => {
    const template = {
      name: "too_many",
      namespace_name: "ceiling",
      version: "1.0.0",
      steps: ["a", "b", "c"].map((name) => ({ name, handler: { callable: "EchoHandler" } })),
    };
    const response = await app.request(
      "http://tasker.test/v1/templates/ceiling/too_many/1.0.0",
      json("PUT", template),
      lowCeiling,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: STEP_LIMIT_EXCEEDED, details: { max_task_steps: 2, template_steps: 3 } },
    });
  });

  it("fails the workflow step that would start it as a child task", async () => {
    const definition = {
      name: "book_shipment",
      handler: { callable: "WorkflowHandler", initialization: { task_template: "book_shipment", version: "1.0.0" } },
    };
    const task = {
      task_uuid: crypto.randomUUID(),
      namespace: "fulfillment",
      name: "ship_order",
      version: "1.0.0",
      context: "{}",
      lineage: "[]",
      initiator: "test",
      priority: 0,
      tags: "[]",
      correlation_id: crypto.randomUUID(),
      created_by: "test",
      namespace_scope: null,
    } as TaskRow;
    const step = { step_uuid: crypto.randomUUID(), name: "book_shipment", definition: JSON.stringify(definition) } as StepRow;
    const plan = await planChildTask(
      withOrchestrator(withVars({ TASKER_MAX_TASK_STEPS: "1" })),
      task,
      step,
      crypto.randomUUID(),
      {},
    );
    expect(plan).toMatchObject({ ok: false, code: STEP_LIMIT_EXCEEDED });
  });
});

describe("batches at run time, under the default ceiling", () => {
  // Two independent batches on the unconsumed `manual` queue: nothing runs but what the test reports.
  const TWO_BATCHES = `
name: two_batches
namespace_name: manual
version: 1.0.0
steps:
  - name: first
    handler: { callable: EchoHandler }
    type: batchable
    batch_config: { worker_template: first_work, parallelism: 1 }
  - name: first_work
    handler: { callable: EchoHandler }
    type: batch_worker
    dependencies: [first]
  - name: second
    handler: { callable: EchoHandler }
    type: batchable
    batch_config: { worker_template: second_work, parallelism: 1 }
  - name: second_work
    handler: { callable: EchoHandler }
    type: batch_worker
    dependencies: [second]
`;

  async function reportBatch(taskUuid: string, name: string, workers: number) {
    const { step_uuid, dispatch_id } = await heldMessage(taskUuid, name);
    const stub = taskStub(taskUuid);
    expect(await stub.claim(step_uuid, dispatch_id)).not.toBeNull();
    const outcome = BatchOutcome.createBatches(BatchOutcome.rangeCursors(workers, 1));
    return stub.report(step_uuid, dispatch_id, { success: true, result: outcome });
  }

  it("fails the batchable step whose batch would take the task past the ceiling, with step_limit_exceeded", async () => {
    const workers = Math.ceil(DEFAULT_MAX_TASK_STEPS / 2);
    expect(workers).toBeLessThanOrEqual(MAX_BATCH_WORKERS);
    const task = await createFromYaml(TWO_BATCHES);
    await reportBatch(task.task_uuid, "first", workers);
    expect((await stepNamed(task.task_uuid, "first")).current_state).toBe("complete");
    await reportBatch(task.task_uuid, "second", workers);
    const second = await stepNamed(task.task_uuid, "second");
    expect(second.current_state).toBe("error");
    expect(second.last_error).toMatchObject({ error_code: STEP_LIMIT_EXCEEDED, retryable: false });
    const view = await taskStub(task.task_uuid).getTask();
    expect(view?.status).toBe("blocked_by_failures");
    expect(view?.total_steps).toBe(2 + workers);
    await taskStub(task.task_uuid).cancel("test done");
  }, 60_000);
});
