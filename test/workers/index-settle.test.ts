// A new task's first index write waits for its settle time, unless a step of it can wait for an event: a short task is indexed once.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ensureCatalog } from "../../src/catalog/schema";
import { INDEX_FLUSH_TIMER, INDEX_RETRY_BASE_MS, INDEX_SETTLE_MS } from "../../src/task-object/task-index-effect";
import { advanceTimers, createFromYaml, HELD_TEMPLATE, heldMessage, taskStub } from "./helpers";

const WAITING_TEMPLATE = `
name: settle_waiting
namespace_name: manual
version: 1.0.0
steps:
  - name: approval
    handler:
      callable: tasker.wait_for_event
      initialization: { event: settle_probe_approved, timeout: 1d }
`;

/** Every write the catalog takes into its task index, in order, as (task, status). */
async function indexWritesOf(taskUuid: string): Promise<string[]> {
  const rows = await env.TASKER_DB.prepare("SELECT status FROM settle_probe_writes WHERE task_uuid = ? ORDER BY seq")
    .bind(taskUuid)
    .all<{ status: string }>();
  return rows.results.map((row) => row.status);
}

async function indexFlushTimer(taskUuid: string) {
  return (await taskStub(taskUuid).inspect()).timers.find((t) => t.kind === INDEX_FLUSH_TIMER);
}

async function completeStep(taskUuid: string, stepName: string): Promise<void> {
  const held = await heldMessage(taskUuid, stepName);
  expect(await taskStub(taskUuid).claim(held.step_uuid, held.dispatch_id)).not.toBeNull();
  const receipt = await taskStub(taskUuid).report(held.step_uuid, held.dispatch_id, { success: true, result: { ok: true } });
  expect(receipt.accepted).toBe(true);
}

beforeAll(async () => {
  await ensureCatalog(env.TASKER_DB);
  await env.TASKER_DB.batch([
    env.TASKER_DB.prepare(
      "CREATE TABLE IF NOT EXISTS settle_probe_writes (seq INTEGER PRIMARY KEY AUTOINCREMENT, task_uuid TEXT, status TEXT)",
    ),
    env.TASKER_DB.prepare(
      `CREATE TRIGGER IF NOT EXISTS settle_probe_insert AFTER INSERT ON task_index
       BEGIN INSERT INTO settle_probe_writes (task_uuid, status) VALUES (NEW.task_uuid, NEW.status); END`,
    ),
    env.TASKER_DB.prepare(
      `CREATE TRIGGER IF NOT EXISTS settle_probe_update AFTER UPDATE ON task_index
       BEGIN INSERT INTO settle_probe_writes (task_uuid, status) VALUES (NEW.task_uuid, NEW.status); END`,
    ),
  ]);
});

describe("a new task's first index write", () => {
  it("is held for the settle time; a task that finishes sooner is written once, finished", async () => {
    const task = await createFromYaml(HELD_TEMPLATE);
    const timer = await indexFlushTimer(task.task_uuid);
    expect(timer?.due_at).toBe(Date.parse(task.created_at) + INDEX_SETTLE_MS);

    await completeStep(task.task_uuid, "held");
    await completeStep(task.task_uuid, "after_held");
    await vi.waitUntil(async () => (await indexWritesOf(task.task_uuid)).length > 0, { timeout: 5_000, interval: 20 });
    expect(await indexWritesOf(task.task_uuid)).toEqual(["complete"]);
    await vi.waitUntil(async () => (await indexFlushTimer(task.task_uuid)) === undefined, { timeout: 5_000, interval: 20 });
    expect(await indexWritesOf(task.task_uuid)).toEqual(["complete"]);
  });

  it("goes when its timer fires, for a task still running then", async () => {
    const task = await createFromYaml(HELD_TEMPLATE);
    expect(await indexWritesOf(task.task_uuid)).toEqual([]);
    // The settle time passes: the alarm sends the held write, with the task's status then.
    expect(await advanceTimers(task.task_uuid, INDEX_SETTLE_MS)).toBe(true);
    await vi.waitUntil(async () => (await indexWritesOf(task.task_uuid)).length > 0, { timeout: 5_000, interval: 20 });
    expect(await indexWritesOf(task.task_uuid)).toEqual(["steps_in_process"]);
    await vi.waitUntil(async () => (await indexFlushTimer(task.task_uuid)) === undefined, { timeout: 5_000, interval: 20 });
  });

  it("goes at once for a task with a step that can wait for an event (events by correlation_id find tasks through the index)", async () => {
    const task = await createFromYaml(WAITING_TEMPLATE);
    // Sent at once, its retry timer (armed in the same transaction) is the ordinary one, not the settle time.
    const timer = await indexFlushTimer(task.task_uuid);
    if (timer) expect(timer.due_at).toBe(Date.parse(task.created_at) + INDEX_RETRY_BASE_MS);
    await vi.waitUntil(async () => (await indexWritesOf(task.task_uuid)).length > 0, { timeout: 5_000, interval: 20 });
    expect(await indexWritesOf(task.task_uuid)).toEqual(["steps_in_process"]);
  });
});
