// Bulk jobs: a dry run counts, a job acts on a snapshot of the index a page per alarm run, survives a restart, can be cancelled, keeps its creator's scope.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { BulkJobView } from "../../src/bulk-jobs/bulk-job-object";
import { uuidv7 } from "../../src/engine/ids";
import { parseTemplate } from "../../src/templates/loader";
import { app } from "./dev-orchestrator";
import { api, errorOf, hasStatus, newTaskInput, stepAudit, taskStub, taskTransitions, waitForTask } from "./helpers";

// Names of this run's own, so other files' tasks never match the filters. TASKER_BULK_PAGE_SIZE is 50 in
// the test pool, and TASKER_BULK_PAGE_INTERVAL_MS an hour: a job moves only when the test runs its alarm.
const run = crypto.randomUUID().slice(0, 8);
const PAGE = 50;

function templateOf(namespace: string, name: string, callable: string) {
  const parsed = parseTemplate(`
name: ${name}
namespace_name: ${namespace}
version: 1.0.0
steps:
  - name: only
    handler: { callable: ${callable} }
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.template;
}

/** Tasks whose step waits on the unconsumed `manual` queue: they stay unfinished until acted on. */
async function heldTasks(name: string, count: number): Promise<string[]> {
  const template = templateOf("manual", name, "EchoHandler");
  const uuids: string[] = [];
  for (let start = 0; start < count; start += 25) {
    const chunk = Array.from({ length: Math.min(25, count - start) }, () => uuidv7());
    await Promise.all(chunk.map((uuid) => taskStub(uuid).create(newTaskInput(uuid, template, { n: uuid }))));
    uuids.push(...chunk);
  }
  return uuids;
}

/** Tasks blocked by a permanent failure (the embedded consumer runs RejectingHandler). */
async function blockedTasks(namespace: string, name: string, count: number): Promise<string[]> {
  const template = templateOf(namespace, name, "RejectingHandler");
  const uuids = Array.from({ length: count }, () => uuidv7());
  await Promise.all(uuids.map((uuid) => taskStub(uuid).create(newTaskInput(uuid, template, { n: uuid }))));
  await Promise.all(uuids.map((uuid) => waitForTask(uuid, hasStatus("blocked_by_failures"))));
  return uuids;
}

type Caller = (path: string, init?: RequestInit) => Promise<Response>;
const open: Caller = api;

async function post(path: string, body: unknown, caller: Caller = open): Promise<Response> {
  return caller(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function dryRun(filter: Record<string, unknown>, caller: Caller = open) {
  const response = await post("/v1/bulk-jobs", { filter, action: "cancel", reason: "counting", dry_run: true }, caller);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as { dry_run: true; matched: number; sample: string[] };
}

/** Waits until the index (written by each task's object a moment after it changes) lists `count` tasks for the filter. */
async function indexed(filter: Record<string, unknown>, count: number): Promise<void> {
  await vi.waitUntil(async () => (await dryRun(filter)).matched === count, { timeout: 20_000, interval: 50 });
}

async function startJob(body: Record<string, unknown>, caller: Caller = open): Promise<BulkJobView> {
  const response = await post("/v1/bulk-jobs", body, caller);
  const text = await response.text();
  expect(response.status, text).toBe(202);
  expect(response.headers.get("location")).toMatch(/^\/v1\/bulk-jobs\//);
  return JSON.parse(text) as BulkJobView;
}

async function jobView(jobId: string, caller: Caller = open): Promise<BulkJobView> {
  const response = await caller(`/v1/bulk-jobs/${jobId}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as BulkJobView;
}

const jobObject = (jobId: string) => env.BULK_JOBS.getByName(jobId);

/** Runs the job's next page (its alarm), as the platform would when the pause before it is over. */
async function runPage(jobId: string): Promise<BulkJobView> {
  expect(await runDurableObjectAlarm(jobObject(jobId))).toBe(true);
  return jobView(jobId);
}

async function runToEnd(jobId: string): Promise<BulkJobView> {
  let view = await jobView(jobId);
  for (let pages = 0; view.status === "running"; pages++) {
    if (pages > 50) throw new Error("the job does not end");
    view = await runPage(jobId);
  }
  return view;
}

async function statusOf(uuid: string): Promise<string | null> {
  const read = await taskStub(uuid).getTask();
  return read.ok ? read.value.status : null;
}

describe("POST /v1/bulk-jobs", () => {
  const name = `bulk_many_${run}`;
  const filter = { namespace: "manual", name };
  let tasks: string[] = [];
  let late = "";
  let jobId = "";

  beforeAll(async () => {
    tasks = await heldTasks(name, 200);
    await indexed(filter, 200);
  }, 120_000);

  it("counts the matching tasks on a dry run and changes nothing", async () => {
    const dry = await dryRun(filter);
    expect(dry.matched).toBe(200);
    expect(dry.sample).toHaveLength(10);
    expect(dry.sample.every((uuid) => tasks.includes(uuid))).toBe(true);
    expect(await statusOf(tasks[0] as string)).not.toBe("cancelled");
  });

  it("refuses an unknown action or filter field, naming it", async () => {
    const error = await errorOf(
      await post("/v1/bulk-jobs", { filter: { ...filter, nmae: "x" }, action: "delete", reason: "typo" }),
      400,
      "invalid_request",
    );
    expect(JSON.stringify(error.details)).toContain("filter.nmae");
    expect(JSON.stringify(error.details)).toContain("action");
  });

  it("runs a job over a snapshot a page at a time; a page run again after a lost cursor acts on nothing twice", async () => {
    const started = await startJob({ filter, action: "cancel", reason: "incident 42" });
    jobId = started.job_id;
    expect(started).toMatchObject({ status: "running", matched: 200, processed: 0, action: "cancel", filter });
    // Listed from the start, before its first page runs.
    const atStart = (await (await api("/v1/bulk-jobs")).json()) as { jobs: { job_id: string; processed: number }[] };
    expect(atStart.jobs.find((job) => job.job_id === jobId)).toMatchObject({ processed: 0 });
    // A task created after the job started is outside its snapshot, even though it matches the filter.
    [late] = (await heldTasks(name, 1)) as [string];
    await indexed(filter, 201);

    expect(await runPage(jobId)).toMatchObject({ status: "running", processed: PAGE, succeeded: PAGE });
    // A restart that lost the cursor move: the page runs again, and its tasks are already recorded.
    await runInDurableObject(jobObject(jobId), (_instance, state) => {
      state.storage.sql.exec("UPDATE job SET cursor_created_at = NULL, cursor_uuid = NULL WHERE id = 1");
    });
    expect(await runPage(jobId)).toMatchObject({ processed: PAGE, succeeded: PAGE });
    expect(await runPage(jobId)).toMatchObject({ processed: 2 * PAGE });

    const listed = (await (await api("/v1/bulk-jobs")).json()) as { jobs: { job_id: string; status: string }[] };
    expect(listed.jobs.find((job) => job.job_id === jobId)).toMatchObject({ status: "running" });

    const done = await runToEnd(jobId);
    expect(done).toMatchObject({ status: "completed", matched: 200, processed: 200, succeeded: 200, skipped: 0, failed: 0 });
    expect(done.finished_at).not.toBeNull();
    for (const uuid of tasks) expect(await statusOf(uuid)).toBe("cancelled");
    expect(await statusOf(late)).not.toBe("cancelled");
    // The listing catches up with the job's end.
    await vi.waitUntil(
      async () => {
        const { jobs } = (await (await api("/v1/bulk-jobs")).json()) as { jobs: { job_id: string; status: string }[] };
        return jobs.find((job) => job.job_id === jobId)?.status === "completed";
      },
      { timeout: 5_000 },
    );
  }, 120_000);

  it("acts on each task once when killed between acting and recording: the re-applied cancel is a skip", async () => {
    // As if the object died after cancelling ten tasks but before writing their outcomes, and restarted from the top.
    await runInDurableObject(jobObject(jobId), async (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE job SET status = 'running', finished_at = NULL, cursor_created_at = NULL, cursor_uuid = NULL WHERE id = 1",
      );
      state.storage.sql.exec("DELETE FROM outcomes WHERE seq IN (SELECT seq FROM outcomes ORDER BY seq LIMIT 10)");
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    const done = await runToEnd(jobId);
    expect(done).toMatchObject({ status: "completed", processed: 200, succeeded: 190, skipped: 10, failed: 0 });
    expect(done.errors).toHaveLength(10);
    expect(done.errors.every((e) => e.outcome === "skipped" && e.code === "task_already_terminal")).toBe(true);
    for (const uuid of tasks.slice(0, 20)) {
      const cancels = (await taskTransitions(uuid)).filter((t) => t.to_state === "cancelled");
      expect(cancels).toHaveLength(1);
    }
  }, 60_000);

  it("records a cancel of a finished task as a skip", async () => {
    const job = await startJob({ filter: { ...filter, status: "cancelled" }, action: "cancel", reason: "again" });
    expect(job.matched).toBe(200);
    const done = await runToEnd(job.job_id);
    expect(done).toMatchObject({ status: "completed", processed: 200, succeeded: 0, skipped: 200 });
    expect(done.errors).toHaveLength(50);
    expect(done.errors[0]).toMatchObject({ outcome: "skipped", code: "task_already_terminal" });
  }, 60_000);

  it("completes at once when nothing matches", async () => {
    const job = await startJob({ filter: { name: `nothing_${run}` }, action: "give_up", reason: "none" });
    expect(job).toMatchObject({ status: "completed", matched: 0, processed: 0 });
  });
});

describe("POST /v1/bulk-jobs/{job_id}/cancel", () => {
  it("stops the job between pages; the tasks it had not reached stay as they were", async () => {
    const name = `bulk_cancel_${run}`;
    const tasks = await heldTasks(name, 120);
    await indexed({ name }, 120);
    const job = await startJob({ filter: { name }, action: "cancel", reason: "stopped halfway" });
    expect(await runPage(job.job_id)).toMatchObject({ processed: PAGE });

    const response = await post(`/v1/bulk-jobs/${job.job_id}/cancel`, {});
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({ status: "cancelled", processed: PAGE });
    await errorOf(await post(`/v1/bulk-jobs/${job.job_id}/cancel`, {}), 409, "job_finished");

    await runDurableObjectAlarm(jobObject(job.job_id));
    expect(await jobView(job.job_id)).toMatchObject({ status: "cancelled", processed: PAGE });
    const statuses = await Promise.all(tasks.map(statusOf));
    expect(statuses.filter((s) => s === "cancelled")).toHaveLength(PAGE);
  }, 120_000);

  it("answers 404 for an unknown job and 400 for a malformed id", async () => {
    await errorOf(await api(`/v1/bulk-jobs/${crypto.randomUUID()}`), 404, "bulk_job_not_found");
    await errorOf(await api("/v1/bulk-jobs/not-a-uuid"), 400, "invalid_uuid");
  });
});

describe("bulk jobs and who may run them", () => {
  const NS_A = `bulka_${run}`;
  const NS_B = `bulkb_${run}`;
  const name = `bulk_blocked_${run}`;
  const keys = [
    { name: "admin", key: "key-admin-0123456789abcdef", permissions: ["*"] },
    { name: "a-only", key: "key-a-only-0123456789abcdef", permissions: ["*"], namespaces: [NS_A] },
    { name: "lister", key: "key-lister-0123456789abcdef", permissions: ["tasks:list", "tasks:read"] },
  ];
  const authEnv = { ...env, TASKER_API_KEYS: JSON.stringify(keys) } as Env;
  const as =
    (key: string): Caller =>
    (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("x-api-key", key);
      return Promise.resolve(app.request(`http://tasker.test${path}`, { ...init, headers }, authEnv));
    };
  const admin = as("key-admin-0123456789abcdef");
  const scoped = as("key-a-only-0123456789abcdef");
  const lister = as("key-lister-0123456789abcdef");
  let inA: string[] = [];
  let inB: string[] = [];

  beforeAll(async () => {
    [inA, inB] = await Promise.all([blockedTasks(NS_A, name, 3), blockedTasks(NS_B, name, 3)]);
    await indexed({ name, status: "blocked_by_failures" }, 6);
  }, 60_000);

  it("needs the action's permission besides tasks:list", async () => {
    const error = await errorOf(
      await post("/v1/bulk-jobs", { filter: { name }, action: "give_up", reason: "x" }, lister),
      403,
      "forbidden",
    );
    expect(error.details).toEqual({ required_permission: "tasks:resolve" });
    expect((await dryRun({ name }, admin)).matched).toBe(6);
  });

  it("never matches nor touches a task outside a scoped caller's namespaces", async () => {
    expect((await dryRun({ name }, scoped)).matched).toBe(3);
    const job = await startJob({ filter: { name }, action: "resolve", reason: "scoped repair" }, scoped);
    expect(job.matched).toBe(3);
    const done = await runToEnd(job.job_id);
    expect(done).toMatchObject({ status: "completed", processed: 3, succeeded: 3, created_by: "a-only" });
    for (const uuid of inA) expect(await statusOf(uuid)).toBe("resolved_manually");
    for (const uuid of inB) expect(await statusOf(uuid)).toBe("blocked_by_failures");

    // The scoped caller sees its job but not one over every namespace; the admin sees both.
    const unscoped = await startJob({ filter: { name: `none_${run}` }, action: "cancel", reason: "x" }, admin);
    await errorOf(await scoped(`/v1/bulk-jobs/${unscoped.job_id}`), 404, "bulk_job_not_found");
    expect((await jobView(job.job_id, admin)).job_id).toBe(job.job_id);
    await vi.waitUntil(async () => {
      const { jobs } = (await (await scoped("/v1/bulk-jobs?limit=100")).json()) as { jobs: { job_id: string }[] };
      return jobs.some((j) => j.job_id === job.job_id) && !jobs.some((j) => j.job_id === unscoped.job_id);
    });
  }, 60_000);

  it("records refusals per task: give_up of a resolved task is a skip, of a blocked one a success", async () => {
    await indexed({ name, status: "resolved_manually" }, 3);
    const job = await startJob({ filter: { name }, action: "give_up", reason: "abandon" }, admin);
    const done = await runToEnd(job.job_id);
    expect(done).toMatchObject({ processed: 6, succeeded: 3, skipped: 3, failed: 0 });
    expect(done.errors.map((e) => e.task_uuid).sort()).toEqual([...inA].sort());
    expect(done.errors[0]).toMatchObject({ outcome: "skipped", code: "action_not_allowed" });
    for (const uuid of inB) expect(await statusOf(uuid)).toBe("error");
  }, 60_000);

  it("retries the failed steps of blocked tasks, as the step route's reset_for_retry does", async () => {
    const NS_C = `bulkc_${run}`;
    const blocked = await blockedTasks(NS_C, name, 2);
    await indexed({ namespace: NS_C, status: "blocked_by_failures" }, 2);
    const job = await startJob({ filter: { namespace: NS_C }, action: "retry_failed_steps", reason: "input fixed" });
    expect(await runToEnd(job.job_id)).toMatchObject({ processed: 2, succeeded: 2 });
    for (const uuid of blocked) {
      const step = ((await taskStub(uuid).listSteps()) as { ok: true; value: { steps: { step_uuid: string }[] } }).value.steps[0];
      const audit = await stepAudit(uuid, step?.step_uuid as string);
      const reset = audit.find((t) => t.metadata.performed_by !== undefined);
      expect(reset?.from_state).toBe("error");
      expect(reset?.metadata).toMatchObject({ performed_by: `bulk-job:${job.job_id}`, reason: "input fixed" });
    }
  }, 60_000);
});
