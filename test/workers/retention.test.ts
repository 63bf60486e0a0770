import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DAY_MS } from "../../src/engine/retention";
import type { TaskObject } from "../../src/task-object/task-object";
import type { TaskView } from "../../src/task-object/views";
import { signHs256 } from "../support/jwt";
import { app } from "./dev-orchestrator";
import { advanceTimers, api, createFromYaml, errorOf, getTask, HELD_TEMPLATE, heldMessage, purgeDue, taskStub } from "./helpers";

const retained = (retention: string) => `
name: retained_${retention.replace(/\W/g, "_")}
namespace_name: manual
version: 1.0.0
${retention === "unset" ? "" : `retention_days: ${retention}`}
steps:
  - name: only
    handler: { callable: EchoHandler }
`;

/** Runs the task's one step by hand to completion. */
async function finish(taskUuid: string): Promise<TaskView> {
  const only = await heldMessage(taskUuid, "only");
  await taskStub(taskUuid).claim(only.step_uuid, only.dispatch_id);
  await taskStub(taskUuid).report(only.step_uuid, only.dispatch_id, { success: true, result: { done: true } });
  return getTask(taskUuid);
}

async function indexStatus(taskUuid: string): Promise<string | null> {
  const row = await env.TASKER_DB.prepare("SELECT status FROM task_index WHERE task_uuid = ?")
    .bind(taskUuid)
    .first<{ status: string }>();
  return row?.status ?? null;
}

async function tombstone(taskUuid: string) {
  return env.TASKER_DB.prepare("SELECT namespace, status, purged_at FROM task_tombstones WHERE task_uuid = ?")
    .bind(taskUuid)
    .first<{ namespace: string; status: string; purged_at: number }>();
}

/** Sets Worker variables on the task's object as an operator would on the Worker (read at each use). */
async function setObjectVars(taskUuid: string, vars: Record<string, string>): Promise<void> {
  await runInDurableObject(env.TASKS.getByName(taskUuid), (instance) => {
    const object = instance as unknown as { env: Record<string, unknown> };
    object.env = { ...object.env, ...vars };
  });
}

describe("retention", () => {
  it("purges a finished task once its retention runs out, while another task runs untouched", async () => {
    const finished = await createFromYaml(retained("1"));
    const view = await finish(finished.task_uuid);
    expect(view.status).toBe("complete");
    const completedAt = Date.parse(view.completed_at ?? "");
    expect(view.purge_at).toBe(new Date(completedAt + DAY_MS).toISOString());
    await vi.waitUntil(async () => (await indexStatus(finished.task_uuid)) === "complete", { timeout: 5_000, interval: 20 });

    const running = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(running.task_uuid, "held");
    await taskStub(running.task_uuid).claim(held.step_uuid, held.dispatch_id);
    const runningTimers = (await taskStub(running.task_uuid).inspect()).timers;

    await advanceTimers(finished.task_uuid, DAY_MS);

    const emptied = await taskStub(finished.task_uuid).inspect();
    expect(emptied).toMatchObject({ task: null, steps: [], timers: [], alarm: null });
    const gone = await errorOf(await api(`/v1/tasks/${finished.task_uuid}`), 404, "task_purged");
    expect(gone.details).toMatchObject({ task_uuid: finished.task_uuid, purged_at: expect.any(String) });
    await errorOf(await api(`/v1/tasks/${finished.task_uuid}/workflow_steps`), 404, "task_purged");
    expect(await indexStatus(finished.task_uuid)).toBeNull();
    expect(await tombstone(finished.task_uuid)).toMatchObject({ namespace: "manual", status: "complete" });
    const listed = (await (await api("/v1/tasks?namespace=manual&per_page=100")).json()) as { tasks: { task_uuid: string }[] };
    expect(listed.tasks.map((t) => t.task_uuid)).not.toContain(finished.task_uuid);

    // The alarm delivered again (at least once): the emptied object stays empty.
    await runInDurableObject(env.TASKS.getByName(finished.task_uuid), (instance: TaskObject) => instance.alarm());
    expect(await taskStub(finished.task_uuid).inspect()).toMatchObject({ task: null, timers: [], alarm: null });

    const other = await getTask(running.task_uuid);
    expect(other).toMatchObject({ status: "steps_in_process", in_progress_steps: 1, purge_at: null });
    expect((await taskStub(running.task_uuid).inspect()).timers).toEqual(runningTimers);
  });

  it("keeps a task whose template says forever: no purge timer", async () => {
    const task = await createFromYaml(retained("forever"));
    const view = await finish(task.task_uuid);
    expect(view).toMatchObject({ status: "complete", purge_at: null });
    expect(await purgeDue(task.task_uuid)).toBeNull();
  });

  it("takes the namespace's setting when the template has none, and the template's key over it", async () => {
    const fromNamespace = await createFromYaml(retained("unset"));
    await setObjectVars(fromNamespace.task_uuid, { TASKER_RETENTION_DAYS: "5", TASKER_RETENTION_NAMESPACES: '{"manual": 2}' });
    const view = await finish(fromNamespace.task_uuid);
    expect(Date.parse(view.purge_at ?? "") - Date.parse(view.completed_at ?? "")).toBe(2 * DAY_MS);

    const fromTemplate = await createFromYaml(retained("3"));
    await setObjectVars(fromTemplate.task_uuid, { TASKER_RETENTION_NAMESPACES: '{"manual": 2}' });
    const templated = await finish(fromTemplate.task_uuid);
    expect(Date.parse(templated.purge_at ?? "") - Date.parse(templated.completed_at ?? "")).toBe(3 * DAY_MS);
  });

  it("checks again when the purge comes due: a retention raised to forever since the task ended keeps it", async () => {
    const task = await createFromYaml(retained("unset"));
    await setObjectVars(task.task_uuid, { TASKER_RETENTION_DAYS: "1" });
    await finish(task.task_uuid);
    expect(await purgeDue(task.task_uuid)).not.toBeNull();
    await setObjectVars(task.task_uuid, { TASKER_RETENTION_DAYS: "forever" });
    await advanceTimers(task.task_uuid, DAY_MS);
    expect((await getTask(task.task_uuid)).status).toBe("complete");
    expect(await purgeDue(task.task_uuid)).toBeNull();
  });

  it("a malformed setting keeps tasks rather than purging them", async () => {
    const task = await createFromYaml(retained("unset"));
    await setObjectVars(task.task_uuid, { TASKER_RETENTION_DAYS: "30 days" });
    const view = await finish(task.task_uuid);
    expect(view.purge_at).toBeNull();
  });

  it("finishes a purge that died between removing the index row and deleting the storage", async () => {
    const task = await createFromYaml(retained("0"));
    // Retention 0 arms the purge at the end itself; the step's report must not let the platform run it first.
    const only = await heldMessage(task.task_uuid, "only");
    await taskStub(task.task_uuid).claim(only.step_uuid, only.dispatch_id);
    const stub = env.TASKS.getByName(task.task_uuid);
    let dead = false;
    await runInDurableObject(stub, (instance: TaskObject) => {
      instance.faultHook = (point) => {
        if (dead || point === "before_purge") {
          dead = true;
          throw new Error(`test: the process died at ${point}`);
        }
      };
    });
    await taskStub(task.task_uuid)
      .report(only.step_uuid, only.dispatch_id, { success: true, result: {} })
      .catch(() => undefined);
    await runDurableObjectAlarm(stub).catch(() => undefined);
    await vi.waitUntil(() => dead, { timeout: 5_000, interval: 20 });

    // Half-way: the mark and the purge timer are durable, the index row is gone, the tombstone is written.
    const left = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ purged_at: number | null }>("SELECT purged_at FROM task").one(),
    );
    expect(left.purged_at).not.toBeNull();
    expect(await purgeDue(task.task_uuid)).not.toBeNull();
    expect(await indexStatus(task.task_uuid)).toBeNull();
    expect(await tombstone(task.task_uuid)).not.toBeNull();
    await errorOf(await api(`/v1/tasks/${task.task_uuid}`), 404, "task_purged");

    await evictDurableObject(stub);
    await advanceTimers(task.task_uuid, 120_000);
    expect(await taskStub(task.task_uuid).inspect()).toMatchObject({ task: null, timers: [] });
    await errorOf(await api(`/v1/tasks/${task.task_uuid}`), 404, "task_purged");
  });

  it("answers the ordinary task_not_found to a caller outside the purged task's namespace", async () => {
    const task = await createFromYaml(retained("1"));
    await finish(task.task_uuid);
    await advanceTimers(task.task_uuid, DAY_MS);
    expect((await taskStub(task.task_uuid).inspect()).task).toBeNull();
    const secret = "hs256-secret-for-retention-tests-0123456789";
    const authEnv = { ...env, TASKER_JWT_SECRET: secret } as Env;
    const token = (namespaces: string[]) =>
      signHs256(secret, {
        sub: "reader",
        permissions: ["tasks:read"],
        namespaces,
        exp: Math.floor(Date.now() / 1000) + 300,
      });
    const read = async (namespaces: string[]) =>
      app.request(
        `http://tasker.test/v1/tasks/${task.task_uuid}`,
        { headers: { authorization: `Bearer ${await token(namespaces)}` } },
        authEnv,
      );
    await errorOf(await read(["elsewhere"]), 404, "task_not_found");
    await errorOf(await read(["manual"]), 404, "task_purged");
  });
});
