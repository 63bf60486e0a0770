import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { StepOutcome } from "../../src/engine/protocol";
import type { StepView } from "../../src/task-object/views";
import { BatchOutcome } from "../../src/worker";
import {
  api,
  createFromYaml,
  getSteps,
  getTask,
  hasStatus,
  heldMessage,
  stepNamed,
  submit,
  taskRequest,
  taskStub,
  waitForTask,
} from "./helpers";

/** The sum_numbers template with another failure strategy, parallelism or namespace. */
function sumTemplate(options: { strategy: string; parallelism: number; namespace?: string }): string {
  return `
name: sum_numbers_${options.strategy}
namespace_name: ${options.namespace ?? "batches"}
version: 1.0.0
steps:
  - name: plan_batches
    type: batchable
    handler: { callable: RangePlannerHandler }
    batch_config:
      worker_template: sum_batch
      parallelism: ${options.parallelism}
      failure_strategy: ${options.strategy}
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
}

/** 0 + 1 + … + (n - 1). */
const sumBelow = (n: number) => (n * (n - 1)) / 2;
const countBy = (steps: StepView[], state: string) => steps.filter((s) => s.current_state === state).length;
const workers = (steps: StepView[]) => steps.filter((s) => s.type === "batch_worker");

const sumNumbers = (context: Record<string, unknown>) => taskRequest("batches", "sum_numbers", context);

const patch = (path: string, body: unknown) =>
  api(path, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("batch fan-out", () => {
  it("creates one worker per cursor with its cursor as input, and the convergence step collects every result", async () => {
    const task = await submit(sumNumbers({ total_items: 1_000, batch_size: 100 }));
    await waitForTask(task.task_uuid, hasStatus("complete"));
    const steps = await getSteps(task.task_uuid);
    expect(workers(steps).map((s) => s.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `sum_batch_${String(i + 1).padStart(3, "0")}`),
    );
    expect(workers(steps)[2]?.inputs).toEqual({
      cursor: { batch_id: "003", start_cursor: 200, end_cursor: 300, batch_size: 100 },
      batch_metadata: {
        batchable_step: "plan_batches",
        cursor_field: "n",
        failure_strategy: "continue_on_failure",
        parallelism: 8,
      },
      is_no_op: false,
    });
    // The stored outcome keeps the worker count, not the cursors: each worker holds its own.
    expect((await stepNamed(task.task_uuid, "plan_batches")).results).toEqual({
      total_items: 1_000,
      batch_processing_outcome: { type: "create_batches", worker_count: 10 },
    });
    const combine = await stepNamed(task.task_uuid, "combine_sums");
    expect(combine.dependencies).toHaveLength(10);
    expect(combine.results).toEqual({ total_sum: sumBelow(1_000), items: 1_000, batches_completed: 10, failed_batches: [] });
  });

  it("creates a no-op placeholder for no_batches, completed without a handler, so the convergence step still runs", async () => {
    const task = await submit(sumNumbers({ total_items: 0 }));
    await waitForTask(task.task_uuid, hasStatus("complete"));
    const placeholder = await stepNamed(task.task_uuid, "sum_batch_no_op");
    expect(placeholder).toMatchObject({ current_state: "complete", results: { is_no_op: true }, attempts: 1 });
    expect(placeholder.inputs).toMatchObject({ cursor: null, is_no_op: true });
    expect((await stepNamed(task.task_uuid, "combine_sums")).results).toMatchObject({ total_sum: 0, batches_completed: 0 });
  });

  it("continue_on_failure: the other workers run, the convergence step learns which failed, and the task completes", async () => {
    const task = await submit(sumNumbers({ total_items: 1_000, batch_size: 100, fail_batches: ["003", "007"] }));
    await waitForTask(task.task_uuid, hasStatus("complete"));
    const steps = await getSteps(task.task_uuid);
    expect(countBy(workers(steps), "complete")).toBe(8);
    expect((await stepNamed(task.task_uuid, "sum_batch_003")).last_error?.error_code).toBe("batch_rejected");
    const combine = await stepNamed(task.task_uuid, "combine_sums");
    expect(combine.results).toMatchObject({
      total_sum: sumBelow(1_000) - (sumBelow(300) - sumBelow(200)) - (sumBelow(700) - sumBelow(600)),
      batches_completed: 8,
      failed_batches: ["sum_batch_003", "sum_batch_007"],
    });
    // Running a tolerated failure again could not undo what its dependents already did.
    const failed = await stepNamed(task.task_uuid, "sum_batch_003");
    expect((await getTask(task.task_uuid)).status).toBe("complete");
    expect(failed.current_state).toBe("error");
  });

  it("isolate: the other workers finish, then the task blocks until the failed worker is repaired", async () => {
    const task = await createFromYaml(sumTemplate({ strategy: "isolate", parallelism: 4 }), {
      total_items: 1_000,
      batch_size: 100,
      fail_batches: ["002"],
    });
    await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
    const steps = await getSteps(task.task_uuid);
    expect(countBy(workers(steps), "complete")).toBe(9);
    expect((await stepNamed(task.task_uuid, "combine_sums")).current_state).toBe("pending");

    const failed = await stepNamed(task.task_uuid, "sum_batch_002");
    await patch(`/v1/tasks/${task.task_uuid}/workflow_steps/${failed.step_uuid}`, {
      action_type: "complete_manually",
      completion_data: { result: { batch_id: "002", items: 100, sum: sumBelow(200) - sumBelow(100) } },
      reason: "re-summed by hand",
      completed_by: "ops",
    });
    await waitForTask(task.task_uuid, hasStatus("complete"));
    expect((await stepNamed(task.task_uuid, "combine_sums")).results).toMatchObject({
      total_sum: sumBelow(1_000),
      batches_completed: 10,
    });
  });

  it("fail_fast: the first failure blocks the task at once and the workers not yet started are never dispatched", async () => {
    const task = await createFromYaml(sumTemplate({ strategy: "fail_fast", parallelism: 1 }), {
      total_items: 1_000,
      batch_size: 100,
      fail_batches: ["002"],
    });
    await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
    const steps = workers(await getSteps(task.task_uuid));
    expect(steps.map((s) => s.current_state)).toEqual(["complete", "error", ...Array(8).fill("pending")]);
    expect(steps.slice(2).every((s) => s.attempts === 0)).toBe(true);
    const gaveUp = await patch(`/v1/tasks/${task.task_uuid}`, {
      action_type: "give_up",
      reason: "bad input",
      performed_by: "ops",
    });
    expect(gaveUp.status).toBe(200);
    expect((await getTask(task.task_uuid)).status).toBe("error");
  });

  it("parallelism caps the workers in flight: a finished worker's slot goes to the next one", async () => {
    const task = await createFromYaml(sumTemplate({ strategy: "continue_on_failure", parallelism: 3, namespace: "manual" }), {});
    const stub = taskStub(task.task_uuid);
    const plan = await heldMessage(task.task_uuid, "plan_batches");
    await stub.claim(plan.step_uuid, plan.dispatch_id);
    const outcome: StepOutcome = { success: true, result: BatchOutcome.createBatches(BatchOutcome.rangeCursors(10, 1)) };
    await stub.report(plan.step_uuid, plan.dispatch_id, outcome);

    let steps = workers(await getSteps(task.task_uuid));
    expect(steps).toHaveLength(10);
    expect([countBy(steps, "enqueued"), countBy(steps, "pending")]).toEqual([3, 7]);

    const first = await heldMessage(task.task_uuid, "sum_batch_001");
    await stub.claim(first.step_uuid, first.dispatch_id);
    steps = workers(await getSteps(task.task_uuid));
    expect([countBy(steps, "enqueued"), countBy(steps, "in_progress"), countBy(steps, "pending")]).toEqual([2, 1, 7]);
    await stub.report(first.step_uuid, first.dispatch_id, { success: true, result: { sum: 0, items: 1 } });
    steps = workers(await getSteps(task.task_uuid));
    expect([countBy(steps, "complete"), countBy(steps, "enqueued"), countBy(steps, "pending")]).toEqual([1, 3, 6]);
    expect(steps.find((s) => s.current_state === "enqueued" && s.name === "sum_batch_004")).toBeDefined();

    await api(`/v1/tasks/${task.task_uuid}`, { method: "DELETE" });
    await waitForTask(task.task_uuid, hasStatus("cancelled"));
  });

  it("fails the batchable step permanently with invalid_batch_outcome for a malformed outcome", async () => {
    const task = await createFromYaml(sumTemplate({ strategy: "isolate", parallelism: 3, namespace: "manual" }), {});
    const stub = taskStub(task.task_uuid);
    const plan = await heldMessage(task.task_uuid, "plan_batches");
    await stub.claim(plan.step_uuid, plan.dispatch_id);
    const bad = { batch_processing_outcome: { type: "create_batches", cursor_configs: [{ batch_id: "a" }, { batch_id: "a" }] } };
    await stub.report(plan.step_uuid, plan.dispatch_id, { success: true, result: bad });
    await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
    const step = await stepNamed(task.task_uuid, "plan_batches");
    expect(step.last_error).toMatchObject({ error_code: "invalid_batch_outcome", retryable: false });
    expect(step.last_error?.message).toContain('"a" is used twice');
    expect(await getSteps(task.task_uuid)).toHaveLength(1);
  });

  // npm test runs 2,000 workers; `npm run test:scale` runs 10,000 (BATCH_WORKERS) and prints a summary line.
  const size = inject("batchWorkers");
  it(
    `runs a batch of ${size.toLocaleString("en-US")} workers to completion and pages through its steps`,
    async () => {
      const started = Date.now();
      const task = await createFromYaml(sumTemplate({ strategy: "continue_on_failure", parallelism: 1_000 }), {
        total_items: size,
        batch_size: 1,
      });
      await waitForTask(task.task_uuid, hasStatus("complete"), size * 60);
      const elapsedMs = Date.now() - started;
      const total = size + 2;
      const lastPage = Math.ceil(total / 1_000);
      const page = await api(`/v1/tasks/${task.task_uuid}/workflow_steps?page=${lastPage}&per_page=1000`);
      const body = (await page.json()) as { steps: StepView[]; total_count: number; pagination: Record<string, unknown> };
      expect(body.total_count).toBe(total);
      expect(body.steps.at(-1)?.name).toBe("combine_sums");
      expect(body.steps.at(-1)?.results).toMatchObject({ total_sum: sumBelow(size), items: size, batches_completed: size });
      expect(body.pagination).toEqual({
        page: lastPage,
        per_page: 1_000,
        total_count: total,
        total_pages: lastPage,
        has_next: false,
        has_previous: lastPage > 1,
      });
      const tooMany = await api(`/v1/tasks/${task.task_uuid}/workflow_steps?per_page=5000`);
      expect(tooMany.status).toBe(400);
      const databaseBytes = await runInDurableObject(
        env.TASKS.getByName(task.task_uuid),
        (_i, state) => state.storage.sql.databaseSize,
      );
      console.log(
        JSON.stringify({
          evt: "batch_scale.summary",
          workers: size,
          steps: total,
          elapsed_ms: elapsedMs,
          ms_per_worker: Math.round((elapsedMs / size) * 100) / 100,
          object_database_bytes: databaseBytes,
        }),
      );
    },
    size * 60 + 30_000,
  );
});
