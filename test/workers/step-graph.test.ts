// The graph without the workers (`/step_graph`) and one batch's workers paged and filtered by state.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { StepGraphSchema, StepsPageSchema } from "../../src/contract/responses";
import type { StepState } from "../../src/engine/states";
import { BatchOutcome } from "../../src/worker";
import { api, createFromYaml, errorOf, getSteps, hasStatus, heldMessage, taskStub, waitForTask } from "./helpers";

type StepGraph = z.output<typeof StepGraphSchema>;
type StepsPage = z.output<typeof StepsPageSchema>;

const WORKERS = 300;

/** On the unconsumed `manual` queue, so the test moves workers through their states by hand. */
const TEMPLATE = `
name: graph_of_a_batch
namespace_name: manual
version: 1.0.0
steps:
  - name: plan_batches
    type: batchable
    handler: { callable: RangePlannerHandler }
    batch_config:
      worker_template: sum_batch
      parallelism: 40
      failure_strategy: continue_on_failure
  - name: sum_batch
    type: batch_worker
    handler: { callable: RangeSumHandler }
    dependencies: [plan_batches]
    retry: { max_attempts: 1 }
  - name: combine_sums
    type: deferred_convergence
    handler: { callable: SumCombinerHandler }
    dependencies: [sum_batch]
`;

async function json<T>(path: string): Promise<T> {
  const response = await api(path);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

/** A task with a running batch of 300 workers: some complete, some failed, one claimed, the rest enqueued or pending. */
async function batchInMixedStates(): Promise<string> {
  const task = await createFromYaml(TEMPLATE, {});
  const stub = taskStub(task.task_uuid);
  const plan = await heldMessage(task.task_uuid, "plan_batches");
  await stub.claim(plan.step_uuid, plan.dispatch_id);
  await stub.report(plan.step_uuid, plan.dispatch_id, {
    success: true,
    result: BatchOutcome.createBatches(BatchOutcome.rangeCursors(WORKERS, 1)),
  });
  for (const [index, name] of ["sum_batch_001", "sum_batch_002", "sum_batch_003", "sum_batch_004", "sum_batch_005"].entries()) {
    const held = await heldMessage(task.task_uuid, name);
    await stub.claim(held.step_uuid, held.dispatch_id);
    if (index === 4) continue; // stays in progress
    await stub.report(
      held.step_uuid,
      held.dispatch_id,
      index < 2
        ? { success: true, result: { sum: index, items: 1 } }
        : { success: false, error: { message: "bad rows", error_code: "bad_rows", retryable: false } },
    );
  }
  return task.task_uuid;
}

function countsOf(steps: { current_state: StepState }[]): Partial<Record<StepState, number>> {
  const counts: Partial<Record<StepState, number>> = {};
  for (const step of steps) counts[step.current_state] = (counts[step.current_state] ?? 0) + 1;
  return counts;
}

describe("the step graph without the workers", () => {
  it("answers every step but the workers, and each batch's workers counted per state as the full listing counts them", async () => {
    const uuid = await batchInMixedStates();
    const all = await getSteps(uuid);
    const workers = all.filter((step) => step.type === "batch_worker");
    expect(workers).toHaveLength(WORKERS);

    const graph = await json<StepGraph>(`/v1/tasks/${uuid}/step_graph`);
    expect(graph.total_count).toBe(all.length);
    expect(graph.steps.map((step) => step.name)).toEqual(["plan_batches", "combine_sums"]);
    expect(graph.steps.find((step) => step.name === "combine_sums")?.dependencies).toHaveLength(WORKERS);
    expect(graph.batches).toEqual([
      { batchable_step: "plan_batches", worker_template: "sum_batch", total: WORKERS, counts: countsOf(workers) },
    ]);
    // Two done, two failed, one claimed; 40 slots in flight, the others wait.
    expect(graph.batches[0]?.counts).toEqual({ complete: 2, error: 2, in_progress: 1, enqueued: 39, pending: WORKERS - 44 });
  });

  it("pages one batch's workers, filtered by state, without the other steps", async () => {
    const uuid = await batchInMixedStates();
    const failed = await json<StepsPage>(`/v1/tasks/${uuid}/workflow_steps?batch=plan_batches&state=error`);
    expect(failed.steps.map((step) => step.name)).toEqual(["sum_batch_003", "sum_batch_004"]);
    expect(failed.total_count).toBe(2);

    const pages: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const answer = await json<StepsPage>(`/v1/tasks/${uuid}/workflow_steps?batch=plan_batches&page=${page}&per_page=120`);
      expect(answer.total_count).toBe(WORKERS);
      expect(answer.pagination).toMatchObject({ page, total_pages: 3, has_next: page < 3 });
      pages.push(...answer.steps.map((step) => step.name));
    }
    expect(pages).toEqual(Array.from({ length: WORKERS }, (_, i) => `sum_batch_${String(i + 1).padStart(3, "0")}`));

    const pending = await json<StepsPage>(`/v1/tasks/${uuid}/workflow_steps?batch=plan_batches&state=pending&per_page=10`);
    expect(pending.total_count).toBe(WORKERS - 44);
    expect(pending.steps.every((step) => step.current_state === "pending" && step.type === "batch_worker")).toBe(true);

    // A state without a batch filters every step; an unknown batch has no workers.
    const pendingSteps = await json<StepsPage>(`/v1/tasks/${uuid}/workflow_steps?state=pending&per_page=1`);
    expect(pendingSteps.total_count).toBe(WORKERS - 44 + 1);
    const none = await json<StepsPage>(`/v1/tasks/${uuid}/workflow_steps?batch=no_such_step`);
    expect(none.total_count).toBe(0);

    await api(`/v1/tasks/${uuid}`, { method: "DELETE" });
    await waitForTask(uuid, hasStatus("cancelled"));
  });

  it("refuses an unknown state and answers 404 for an unknown task", async () => {
    const uuid = await batchInMixedStates();
    await errorOf(await api(`/v1/tasks/${uuid}/workflow_steps?batch=plan_batches&state=broken`), 400, "invalid_query");
    await errorOf(await api(`/v1/tasks/${crypto.randomUUID()}/step_graph`), 404, "task_not_found");
  });
});
