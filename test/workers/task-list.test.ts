// GET /v1/tasks: the task index in D1, written by each task's object on status changes, filtered and paged.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type TaskSummary, writeTaskIndex } from "../../src/catalog/task-index";
import type { TaskView } from "../../src/task-object/views";
import { api, hasStatus, submit, taskStub, waitForTask } from "./helpers";

// A namespace and values of this run's own, so tasks of other test files never match its filters.
const run = crypto.randomUUID().slice(0, 8);
const NS = `lst_${run}`;
const OTHER_NS = `lso_${run}`;

interface Listing {
  tasks: TaskSummary[];
  pagination: {
    page: number;
    per_page: number;
    total_count: number;
    total_pages: number;
    has_next: boolean;
    has_previous: boolean;
  };
}

async function list(query: string): Promise<Listing> {
  const response = await api(`/v1/tasks?${query}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Listing;
}

async function register(namespace: string, name: string, callable: string): Promise<void> {
  const yaml = `
name: ${name}
namespace_name: ${namespace}
version: 1.0.0
steps:
  - name: only
    handler: { callable: ${callable} }
`;
  const response = await api(`/v1/templates/${namespace}/${name}/1.0.0`, {
    method: "PUT",
    headers: { "content-type": "application/yaml" },
    body: yaml,
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

function request(namespace: string, name: string, fields: Partial<Record<string, unknown>> = {}) {
  return {
    name,
    namespace,
    version: "1.0.0",
    context: { n: crypto.randomUUID() },
    initiator: `alice_${run}`,
    source_system: `web_${run}`,
    reason: "listing test",
    ...fields,
  };
}

/** Waits until the index lists exactly `expected` (uuid → status) for the query. */
async function waitForIndex(query: string, expected: Map<string, string>): Promise<Listing> {
  let last: Listing | undefined;
  await vi.waitUntil(
    async () => {
      last = await list(query);
      const seen = new Map(last.tasks.map((t) => [t.task_uuid, t.status]));
      return seen.size === expected.size && [...expected].every(([uuid, status]) => seen.get(uuid) === status);
    },
    { timeout: 10_000, interval: 25 },
  );
  return last as Listing;
}

const uuids = (listing: Listing) => listing.tasks.map((t) => t.task_uuid).sort();

describe("GET /v1/tasks", () => {
  const tasks: TaskView[] = [];
  let blocked: TaskView;
  let byBob: TaskView;
  let fromCli: TaskView;
  let correlated: TaskView;
  let other: TaskView;

  beforeAll(async () => {
    await register(NS, "quick", "EchoHandler");
    await register(NS, "rejected", "RejectingHandler");
    await register(OTHER_NS, "quick", "EchoHandler");
    for (let i = 0; i < 4; i++) tasks.push(await submit(request(NS, "quick")));
    byBob = await submit(request(NS, "quick", { initiator: `bob_${run}` }));
    fromCli = await submit(request(NS, "quick", { source_system: `cli_${run}` }));
    correlated = await submit(request(NS, "quick", { correlation_id: `corr_${run}` }));
    blocked = await submit(request(NS, "rejected"));
    other = await submit(request(OTHER_NS, "quick"));
    tasks.push(byBob, fromCli, correlated, blocked);
    await Promise.all(
      [...tasks, other].map((t) => waitForTask(t.task_uuid, hasStatus("complete", "blocked_by_failures", "error"))),
    );
    const expected = new Map(tasks.map((t) => [t.task_uuid, t === blocked ? "blocked_by_failures" : "complete"]));
    await waitForIndex(`namespace=${NS}&per_page=100`, expected);
    await waitForIndex(`namespace=${OTHER_NS}`, new Map([[other.task_uuid, "complete"]]));
  }, 30_000);

  it("lists a namespace's tasks newest first with the summary fields", async () => {
    const listing = await list(`namespace=${NS}`);
    expect(listing.pagination).toEqual({
      page: 1,
      per_page: 25,
      total_count: 8,
      total_pages: 1,
      has_next: false,
      has_previous: false,
    });
    const created = listing.tasks.map((t) => t.created_at);
    expect(created).toEqual([...created].sort().reverse());
    const summary = listing.tasks.find((t) => t.task_uuid === correlated.task_uuid);
    expect(summary).toEqual({
      task_uuid: correlated.task_uuid,
      name: "quick",
      namespace: NS,
      version: "1.0.0",
      status: "complete",
      initiator: `alice_${run}`,
      source_system: `web_${run}`,
      reason: "listing test",
      priority: 0,
      tags: [],
      correlation_id: `corr_${run}`,
      parent_correlation_id: null,
      total_steps: 1,
      created_at: correlated.created_at,
      updated_at: expect.any(String),
      completed_at: expect.any(String),
    });
  });

  it("filters by name, status, initiator, source_system and correlation_id", async () => {
    expect(uuids(await list(`namespace=${NS}&name=rejected`))).toEqual([blocked.task_uuid]);
    expect(uuids(await list(`namespace=${NS}&status=blocked_by_failures`))).toEqual([blocked.task_uuid]);
    expect((await list(`namespace=${NS}&status=complete`)).pagination.total_count).toBe(7);
    expect((await list(`namespace=${NS}&status=pending`)).tasks).toEqual([]);
    // Each filter alone, without the namespace: the values are this run's own.
    expect(uuids(await list(`initiator=bob_${run}`))).toEqual([byBob.task_uuid]);
    expect(uuids(await list(`source_system=cli_${run}`))).toEqual([fromCli.task_uuid]);
    expect(uuids(await list(`correlation_id=corr_${run}`))).toEqual([correlated.task_uuid]);
    expect(uuids(await list(`initiator=alice_${run}&source_system=web_${run}&namespace=${OTHER_NS}`))).toEqual([other.task_uuid]);
    expect((await list(`namespace=${NS}&name=quick&version=9.9.9`)).tasks).toEqual([]);
  });

  it("filters by creation time: created_after is inclusive, created_before exclusive", async () => {
    const all = (await list(`namespace=${NS}&per_page=100`)).tasks;
    const pivot = all[Math.floor(all.length / 2)]?.created_at as string;
    const after = await list(`namespace=${NS}&per_page=100&created_after=${encodeURIComponent(pivot)}`);
    const before = await list(`namespace=${NS}&per_page=100&created_before=${encodeURIComponent(pivot)}`);
    expect(uuids(after)).toEqual(
      all
        .filter((t) => t.created_at >= pivot)
        .map((t) => t.task_uuid)
        .sort(),
    );
    expect(uuids(before)).toEqual(
      all
        .filter((t) => t.created_at < pivot)
        .map((t) => t.task_uuid)
        .sort(),
    );
    expect(after.pagination.total_count + before.pagination.total_count).toBe(all.length);
    // A date alone means midnight UTC; an offset is honoured.
    expect((await list(`namespace=${NS}&created_before=2000-01-01`)).tasks).toEqual([]);
    expect((await list(`namespace=${NS}&created_after=2000-01-01T00:00:00%2B02:00`)).pagination.total_count).toBe(8);
  });

  it("pages through every task exactly once, newest first", async () => {
    const all = (await list(`namespace=${NS}&per_page=100`)).tasks.map((t) => t.task_uuid);
    const pages = [1, 2, 3].map((page) => list(`namespace=${NS}&per_page=3&page=${page}`));
    const [first, second, third] = await Promise.all(pages);
    expect(first?.pagination).toEqual({
      page: 1,
      per_page: 3,
      total_count: 8,
      total_pages: 3,
      has_next: true,
      has_previous: false,
    });
    expect(second?.pagination).toMatchObject({ page: 2, has_next: true, has_previous: true });
    expect(third?.pagination).toMatchObject({ page: 3, has_next: false, has_previous: true });
    expect([first, second, third].map((p) => p?.tasks.length)).toEqual([3, 3, 2]);
    expect([first, second, third].flatMap((p) => p?.tasks.map((t) => t.task_uuid))).toEqual(all);
    const beyond = await list(`namespace=${NS}&per_page=3&page=4`);
    expect(beyond.tasks).toEqual([]);
    expect(beyond.pagination).toMatchObject({ page: 4, total_count: 8, has_next: false, has_previous: true });
  });

  it("follows a task's status: a blocked task given up is listed as error", async () => {
    const response = await api(`/v1/tasks/${blocked.task_uuid}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action_type: "give_up", reason: "listing test", performed_by: "vitest" }),
    });
    expect(response.status).toBe(200);
    await waitForIndex(`namespace=${NS}&name=rejected`, new Map([[blocked.task_uuid, "error"]]));
    expect((await list(`namespace=${NS}&status=blocked_by_failures`)).tasks).toEqual([]);
  });

  it("answers 400 invalid_query naming every bad parameter", async () => {
    const response = await api(
      "/v1/tasks?status=bogus&page=0&per_page=101&created_after=yesterday&stauts=complete&name=a&name=b",
    );
    const body = (await response.json()) as { error: { code: string; details: { path: string; message: string }[] } };
    expect(response.status).toBe(400);
    expect(body.error.code).toBe("invalid_query");
    expect(body.error.details.map((p) => p.path).sort()).toEqual(
      ["created_after", "name", "page", "per_page", "status", "stauts"].sort(),
    );
    expect(body.error.details.find((p) => p.path === "status")?.message).toContain("blocked_by_failures");
    expect(body.error.details.find((p) => p.path === "stauts")?.message).toContain("is not a parameter of this route");
  });
});

describe("the task index write", () => {
  it("keeps the newer state when an older revision arrives late", async () => {
    const entry = {
      task_uuid: crypto.randomUUID(),
      namespace: NS,
      name: "late",
      version: "1.0.0",
      status: "complete" as const,
      initiator: `late_${run}`,
      source_system: "vitest",
      reason: "order",
      priority: 0,
      tags: ["a"],
      correlation_id: crypto.randomUUID(),
      parent_correlation_id: null,
      total_steps: 1,
      created_at: 1_000,
      updated_at: 3_000,
      completed_at: 3_000,
      revision: 9,
    };
    await writeTaskIndex(env.TASKER_DB, entry);
    await writeTaskIndex(env.TASKER_DB, { ...entry, status: "steps_in_process", completed_at: null, revision: 4 });
    await writeTaskIndex(env.TASKER_DB, entry);
    expect((await list(`initiator=late_${run}`)).tasks).toMatchObject([{ status: "complete", tags: ["a"] }]);
  });

  it("is retried by the object's alarm after D1 refused it, and never blocks the task", async () => {
    const initiator = `flaky_${run}`;
    // The catalog refuses this initiator's index rows until the trigger is dropped.
    await env.TASKER_DB.exec(
      `CREATE TRIGGER refuse_${run} BEFORE INSERT ON task_index WHEN NEW.initiator = '${initiator}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    );
    const task = await submit(request(OTHER_NS, "quick", { initiator }));
    await waitForTask(task.task_uuid, hasStatus("complete"));
    const stub = env.TASKS.getByName(task.task_uuid);
    const pending = async () => {
      const { effects, timers } = await taskStub(task.task_uuid).inspect();
      const effect = effects.find((e) => e.effect.kind === "index_task")?.effect;
      return {
        attempts: effect?.kind === "index_task" ? effect.attempts : 0,
        timer: timers.filter((t) => t.kind === "index_flush").length,
      };
    };
    // The write at completion failed and is waiting for the alarm; the task itself finished regardless.
    await vi.waitUntil(async () => (await pending()).attempts >= 1, { timeout: 10_000, interval: 25 });
    expect((await pending()).timer).toBe(1);
    expect((await list(`initiator=${initiator}`)).tasks).toEqual([]);

    await env.TASKER_DB.exec(`DROP TRIGGER refuse_${run}`);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const listed = await waitForIndex(`initiator=${initiator}`, new Map([[task.task_uuid, "complete"]]));
    expect(listed.tasks[0]).toMatchObject({ namespace: OTHER_NS, status: "complete" });
    await vi.waitUntil(async () => (await pending()).timer === 0 && (await pending()).attempts === 0, { timeout: 5_000 });
  });
});
