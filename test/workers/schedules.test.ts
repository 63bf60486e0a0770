// Schedules: each fires on time from its object's alarm, once per fire time, within its overlap policy and catch-up bound.
// Time moves by setting the object's clock forward ("time travel"), then running its alarm: no test sleeps.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { scheduleObject } from "../../src/schedules/client";
import type { ScheduleView } from "../../src/schedules/schedule-config";
import { BUFFER_POLL_MS, type ScheduleObject } from "../../src/schedules/schedule-object";
import { SCHEDULE_SOURCE_SYSTEM } from "../../src/schedules/start-task";
import { app } from "./dev-orchestrator";
import { api, errorOf, getTask } from "./helpers";

const MINUTE = 60_000;

/** A template on the `manual` queue, which nobody consumes: its tasks run until a test cancels them. */
const HELD = `
name: held_report
namespace_name: manual
version: 1.0.0
steps:
  - name: held
    handler: { callable: EchoHandler }
`;

function json(method: string, body?: unknown): RequestInit {
  return body === undefined
    ? { method }
    : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

async function createSchedule(body: Record<string, unknown>): Promise<ScheduleView> {
  const response = await api("/v1/schedules", json("POST", { namespace: "manual", template_name: "held_report", ...body }));
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

async function getSchedule(id: string): Promise<ScheduleView> {
  const response = await api(`/v1/schedules/${id}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

/** Moves the schedule object's clock `ms` forward, then runs its alarm, as if that much time had gone by. */
async function travel(id: string, ms: number): Promise<ScheduleView> {
  const stub = env.SCHEDULES.getByName(id);
  await runInDurableObject(stub, (instance: ScheduleObject) => {
    instance.clockSkewMs += ms;
  });
  expect(await runDurableObjectAlarm(stub)).toBe(true);
  return getSchedule(id);
}

async function cancel(taskUuid: string): Promise<void> {
  const response = await api(`/v1/tasks/${taskUuid}`, json("DELETE"));
  expect(response.status, await response.clone().text()).toBe(200);
}

type Listed = { schedules: { schedule_id: string; namespace: string }[] };
type Triggered = { outcome: string; task_uuid: string };

const started = (schedule: ScheduleView) => schedule.recent_fires.filter((fire) => fire.outcome === "started");

beforeAll(async () => {
  const response = await api("/v1/templates/manual/held_report/1.0.0", {
    method: "PUT",
    headers: { "content-type": "application/yaml" },
    body: HELD,
  });
  expect([200, 201]).toContain(response.status);
});

describe("a schedule's alarm", () => {
  it("is set to the next fire time, fires on time and records the schedule and fire time on the task", async () => {
    const created = await createSchedule({ name: "on_time", interval: "1m" });
    expect(created.schedule_id).toBe("manual.on_time");
    const { alarm } = await scheduleObject(env, created.schedule_id).inspect();
    expect(alarm).toBe(Date.parse(created.next_fire_at as string));
    expect(Date.parse(created.next_fire_at as string) - Date.parse(created.created_at)).toBe(MINUTE);

    const fired = await travel(created.schedule_id, MINUTE);
    const [fire] = started(fired);
    expect(fire?.task_uuid).toBeTruthy();
    const task = await getTask(fire?.task_uuid as string);
    expect(task).toMatchObject({
      name: "held_report",
      initiator: "schedule:manual.on_time",
      source_system: SCHEDULE_SOURCE_SYSTEM,
    });
    expect(task.tags).toEqual(["schedule:manual.on_time", `fire_at:${fire?.fire_at}`]);
    // The next fire is one period later, and the alarm follows it.
    expect(Date.parse(fired.next_fire_at as string) - Date.parse(fire?.fire_at as string)).toBe(MINUTE);
    expect((await scheduleObject(env, created.schedule_id).inspect()).alarm).toBe(Date.parse(fired.next_fire_at as string));
    await cancel(task.task_uuid);
  });

  it("reads a cron in its time zone: the next fire is on the pattern", async () => {
    const created = await createSchedule({ name: "cron_tz", cron: "30 9 * * 1-5", timezone: "Asia/Kolkata" });
    const next = new Date(created.next_fire_at as string);
    // 09:30 in Kolkata (UTC+05:30) is 04:00Z, on a weekday.
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([4, 0]);
    expect([0, 6]).not.toContain(next.getUTCDay());
    expect((await scheduleObject(env, created.schedule_id).inspect()).alarm).toBe(next.getTime());
  });

  it("starts one task when the same fire is delivered twice", async () => {
    const created = await createSchedule({ name: "twice", interval: "1m", overlap: "allow" });
    const first = started(await travel(created.schedule_id, MINUTE));
    expect(first).toHaveLength(1);
    // The alarm runs again as if its first run had died before recording the fire: the same fire time comes due.
    const stub = env.SCHEDULES.getByName(created.schedule_id);
    await runInDurableObject(stub, (_instance, state) => {
      const row = state.storage.sql.exec<{ state: string }>("SELECT state FROM schedule_state").one();
      const stored = JSON.parse(row.state) as Record<string, unknown>;
      stored.next_fire_at = Date.parse(first[0]?.fire_at as string);
      state.storage.sql.exec("UPDATE schedule_state SET state = ?", JSON.stringify(stored));
      state.storage.sql.exec("DELETE FROM fires");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const again = started(await getSchedule(created.schedule_id));
    expect(again).toHaveLength(1);
    expect(again[0]?.task_uuid).toBe(first[0]?.task_uuid);
    expect(again[0]?.detail).toBe("the task of this fire already existed");
    await cancel(first[0]?.task_uuid as string);
  });

  it("after missing fire times while unreachable, runs at most catch_up of them and counts the rest", async () => {
    const created = await createSchedule({ name: "outage", interval: "1m", overlap: "allow", catch_up: 2 });
    // Ten fire times pass with no alarm run: the last is on time, nine were missed; two of those run late.
    const after = await travel(created.schedule_id, 10 * MINUTE);
    const fires = started(after);
    expect(fires).toHaveLength(3);
    expect(new Set(fires.map((fire) => fire.task_uuid)).size).toBe(3);
    expect(after.missed_fires).toBe(7);
    expect(after.recent_fires.find((fire) => fire.outcome === "missed")?.detail).toContain("7 missed fire time(s)");
    // The schedule goes on from the next fire after now, not from the missed ones.
    const latest = Math.max(...fires.map((fire) => Date.parse(fire.fire_at)));
    expect(Date.parse(after.next_fire_at as string) - latest).toBe(MINUTE);
    for (const fire of fires) await cancel(fire.task_uuid as string);
  });
});

describe("overlap policies", () => {
  it("skip: a fire while the previous task runs is skipped; after it ends the next fire starts", async () => {
    const { schedule_id } = await createSchedule({ name: "skipping", interval: "1m", overlap: "skip" });
    const [first] = started(await travel(schedule_id, MINUTE));
    const second = await travel(schedule_id, MINUTE);
    expect(second.recent_fires[0]).toMatchObject({ outcome: "skipped", task_uuid: null });
    expect(started(second)).toHaveLength(1);
    await cancel(first?.task_uuid as string);
    const third = await travel(schedule_id, MINUTE);
    expect(started(third)).toHaveLength(2);
    await cancel(third.last_task_uuid as string);
  });

  it("allow: every fire starts a task, whatever still runs", async () => {
    const { schedule_id } = await createSchedule({ name: "allowing", interval: "1m", overlap: "allow" });
    await travel(schedule_id, MINUTE);
    const second = started(await travel(schedule_id, MINUTE));
    expect(second).toHaveLength(2);
    for (const fire of second) expect((await getTask(fire.task_uuid as string)).status).not.toBe("complete");
    for (const fire of second) await cancel(fire.task_uuid as string);
  });

  it("buffer_one: holds one fire while the previous task runs, drops further ones, starts the held one when it ends", async () => {
    const { schedule_id } = await createSchedule({ name: "buffering", interval: "1m", overlap: "buffer_one" });
    const [first] = started(await travel(schedule_id, MINUTE));
    const second = await travel(schedule_id, MINUTE);
    expect(second.recent_fires[0]?.outcome).toBe("buffered");
    const heldFireAt = second.buffered_fire_at;
    expect(heldFireAt).toBe(second.recent_fires[0]?.fire_at);
    const third = await travel(schedule_id, MINUTE);
    expect(third.recent_fires[0]?.outcome).toBe("skipped");
    expect(third.buffered_fire_at).toBe(heldFireAt);
    // The held fire polls the previous task: still running, nothing starts.
    // (Each poll travels less than the period, so no new fire time comes due meanwhile.)
    // While a fire is held the alarm polls the previous task, sooner than the next fire.
    const { alarm } = await scheduleObject(env, schedule_id).inspect();
    expect(alarm).toBeGreaterThanOrEqual(Date.parse(third.updated_at) + BUFFER_POLL_MS);
    expect(alarm).toBeLessThan(Date.parse(third.next_fire_at as string));
    const polled = await travel(schedule_id, MINUTE / 3);
    expect(started(polled)).toHaveLength(1);
    await cancel(first?.task_uuid as string);
    const released = await travel(schedule_id, MINUTE / 3);
    expect(released.buffered_fire_at).toBeNull();
    const fires = started(released);
    expect(fires).toHaveLength(2);
    // The held fire starts with its own fire time.
    expect(fires[0]).toMatchObject({ fire_at: heldFireAt, task_uuid: released.last_task_uuid });
    await cancel(released.last_task_uuid as string);
  });
});

describe("schedule controls", () => {
  it("pause stops the alarm, resume sets it to the next fire after now", async () => {
    const { schedule_id } = await createSchedule({ name: "pausing", interval: "1m" });
    const paused = await (await api(`/v1/schedules/${schedule_id}/pause`, json("POST"))).json();
    expect(paused).toMatchObject({ paused: true, paused_by: "anonymous", next_fire_at: null });
    expect((await scheduleObject(env, schedule_id).inspect()).alarm).toBeNull();
    const listed = (await (await api("/v1/schedules?namespace=manual&paused=true")).json()) as Listed;
    expect(listed.schedules.map((s: { schedule_id: string }) => s.schedule_id)).toContain(schedule_id);

    const resumed = (await (await api(`/v1/schedules/${schedule_id}/resume`, json("POST"))).json()) as ScheduleView;
    expect(resumed.paused).toBe(false);
    const next = Date.parse(resumed.next_fire_at as string);
    expect(next).toBeGreaterThan(Date.parse(resumed.updated_at));
    expect((await scheduleObject(env, schedule_id).inspect()).alarm).toBe(next);
  });

  it("trigger now starts a task at once, tagged as manual, with its own identity", async () => {
    const { schedule_id } = await createSchedule({ name: "triggering", interval: "1h", overlap: "skip" });
    const response = await api(`/v1/schedules/${schedule_id}/trigger`, json("POST"));
    expect(response.status, await response.clone().text()).toBe(200);
    const result = (await response.json()) as Triggered;
    expect(result.outcome).toBe("started");
    const task = await getTask(result.task_uuid);
    expect(task.tags).toContain("trigger:manual");
    expect(task.reason).toBe("triggered now by anonymous");
    // The overlap policy applies: the task still runs, so a second trigger is skipped.
    const again = await (await api(`/v1/schedules/${schedule_id}/trigger`, json("POST"))).json();
    expect(again).toMatchObject({ outcome: "skipped", task_uuid: null });
    await cancel(task.task_uuid);
  });

  it("delete removes the object and its index row; its alarm is gone", async () => {
    const { schedule_id } = await createSchedule({ name: "deleting", interval: "1m" });
    const response = await api(`/v1/schedules/${schedule_id}`, json("DELETE"));
    expect(await response.json()).toEqual({ schedule_id, deleted: true });
    await errorOf(await api(`/v1/schedules/${schedule_id}`), 404, "schedule_not_found");
    expect((await scheduleObject(env, schedule_id).inspect()).alarm).toBeNull();
    const listed = (await (await api("/v1/schedules?namespace=manual")).json()) as Listed;
    expect(listed.schedules.map((s: { schedule_id: string }) => s.schedule_id)).not.toContain(schedule_id);
  });

  it("refuses a second schedule of the same name, a bad cron, and an unknown template", async () => {
    await createSchedule({ name: "unique", interval: "1m" });
    await errorOf(
      await api(
        "/v1/schedules",
        json("POST", { name: "unique", namespace: "manual", template_name: "held_report", interval: "1m" }),
      ),
      409,
      "schedule_exists",
    );
    await errorOf(
      await api(
        "/v1/schedules",
        json("POST", { name: "bad", namespace: "manual", template_name: "held_report", cron: "99 * * * *" }),
      ),
      400,
      "invalid_request",
    );
    await errorOf(
      await api("/v1/schedules", json("POST", { name: "nothing", namespace: "manual", template_name: "nope", interval: "1m" })),
      404,
      "template_not_found",
    );
    await errorOf(await api("/v1/schedules/not-an-id"), 400, "invalid_schedule_id");
  });
});

describe("template-declared schedules", () => {
  it("exist for the bundled templates once the Worker has served a request", async () => {
    const listed = (await (await api("/v1/schedules?source=template")).json()) as Listed;
    const nightly = listed.schedules.find(
      (s: { schedule_id: string }) => s.schedule_id === "analytics.nightly_sales_report.nightly",
    );
    expect(nightly).toMatchObject({ cron: "0 2 * * *", timezone: "Europe/Paris", overlap: "skip", paused: false });
    await errorOf(
      await api("/v1/schedules/analytics.nightly_sales_report.nightly", json("DELETE")),
      409,
      "schedule_declared_in_template",
    );
  });

  it("follow the newest registered version: declared, then gone when a newer version drops them", async () => {
    const declared = `${HELD.replace("held_report", "declared_report")}schedules:\n  - name: hourly\n    cron: "0 * * * *"\n`;
    const put = (version: string, body: string) =>
      api(`/v1/templates/manual/declared_report/${version}`, {
        method: "PUT",
        headers: { "content-type": "application/yaml" },
        body: body.replace("version: 1.0.0", `version: ${version}`),
      });
    expect((await put("1.0.0", declared)).status).toBe(201);
    const schedule = await getSchedule("manual.declared_report.hourly");
    expect(schedule).toMatchObject({ source: "template", template_version: "1.0.0", created_by: "anonymous" });

    expect((await put("1.1.0", HELD.replace("held_report", "declared_report"))).status).toBe(201);
    await errorOf(await api("/v1/schedules/manual.declared_report.hourly"), 404, "schedule_not_found");
  });
});

describe("namespace scoping", () => {
  const keys = [
    {
      name: "manual-ops",
      key: "key-manual-ops-0123456789abcdef",
      permissions: ["schedules:*", "tasks:read"],
      namespaces: ["manual"],
    },
    { name: "reader", key: "key-reader-0123456789abcdef", permissions: ["schedules:read"], namespaces: ["manual"] },
  ];
  const authEnv = { ...env, TASKER_API_KEYS: JSON.stringify(keys) } as Env;
  const as = (key: string, path: string, init: RequestInit = {}) =>
    app.request(`http://tasker.test${path}`, { ...init, headers: { ...(init.headers ?? {}), "x-api-key": key } }, authEnv);

  it("a caller sees and manages only the schedules of its namespaces", async () => {
    const listed = (await (await as(keys[0]?.key as string, "/v1/schedules")).json()) as Listed;
    expect(listed.schedules.length).toBeGreaterThan(0);
    expect(listed.schedules.every((s: { namespace: string }) => s.namespace === "manual")).toBe(true);
    await errorOf(
      await as(keys[0]?.key as string, "/v1/schedules/analytics.nightly_sales_report.nightly"),
      404,
      "schedule_not_found",
    );
    await errorOf(
      await as(keys[0]?.key as string, "/v1/schedules/analytics.nightly_sales_report.nightly/pause", json("POST")),
      404,
      "schedule_not_found",
    );
    const outside = json("POST", { name: "elsewhere", namespace: "analytics", template_name: "sales_report", cron: "@daily" });
    await errorOf(await as(keys[0]?.key as string, "/v1/schedules", outside), 403, "forbidden");
  });

  it("needs schedules:write to change a schedule", async () => {
    await createSchedule({ name: "guarded", interval: "1h" });
    await errorOf(await as(keys[1]?.key as string, "/v1/schedules/manual.guarded/pause", json("POST")), 403, "forbidden");
    expect((await as(keys[1]?.key as string, "/v1/schedules/manual.guarded")).status).toBe(200);
  });
});
