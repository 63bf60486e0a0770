// The Durable Object that owns one schedule: its configuration, its alarm at the next fire time, and the record of its fires.
import { DurableObject } from "cloudflare:workers";
import { removeScheduleIndex, type ScheduleIndexEntry, writeScheduleIndex } from "../catalog/schedule-index";
import { decideFire, nextFireAfter, planDueFires } from "../engine/schedule-plan";
import { log } from "../log";
import type { FireOutcome, FireRecord, ScheduleConfig, ScheduleView } from "./schedule-config";
import { type StartResult, startScheduledTask, taskStillRuns } from "./start-task";

/** How often a held (`buffer_one`) fire checks whether the previous task has ended. */
export const BUFFER_POLL_MS = 30_000;
/** When firing failed on infrastructure (a task object unreachable), the alarm tries again this much later. */
export const FIRE_RETRY_MS = 30_000;
/** When the index write failed, the alarm writes it again this much later. */
const INDEX_RETRY_MS = 30_000;
/** Fire records kept per schedule; the view shows the newest RECENT_FIRES. */
const KEPT_FIRES = 100;
const RECENT_FIRES = 20;

/** The mutable part of a schedule, beside its configuration. */
interface ScheduleState {
  config: ScheduleConfig;
  paused: boolean;
  paused_by: string | null;
  /** The next fire time; null while paused. */
  next_fire_at: number | null;
  /** Where interval fires count from. */
  anchor_at: number;
  last_fire_at: number | null;
  last_task_uuid: string | null;
  buffered_fire_at: number | null;
  missed_fires: number;
  created_at: number;
  updated_at: number;
  revision: number;
  index_revision: number;
}

type FireRow = {
  fire_at: number;
  manual: number;
  outcome: FireOutcome;
  task_uuid: string | null;
  detail: string | null;
  recorded_at: number;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const sameTiming = (a: ScheduleConfig, b: ScheduleConfig) =>
  a.cron === b.cron && a.interval_seconds === b.interval_seconds && a.timezone === b.timezone;

/** What `trigger` did: the fire's outcome under the overlap policy, and the task it started, if any. */
export interface TriggerResult {
  outcome: FireOutcome;
  task_uuid: string | null;
  detail: string | null;
  schedule: ScheduleView;
}

/** What the object holds, for tests: its state and its alarm. */
export interface ScheduleInspection {
  schedule: ScheduleView | null;
  alarm: number | null;
}

export class ScheduleObject extends DurableObject<Env> {
  /**
   * Test seam, 0 outside tests: milliseconds added to the clock, so a test moves the schedule's time
   * forward (then runs its alarm) instead of sleeping. Not an RPC method, and lost with the instance.
   */
  clockSkewMs = 0;

  private now(): number {
    return Date.now() + this.clockSkewMs;
  }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // An object that wakes reconciles its alarm with its state: a schedule never sits without one.
    void ctx.blockConcurrencyWhile(async () => {
      this.ensureSchema();
      const state = this.load();
      if (state && (await ctx.storage.getAlarm()) === null) this.armAlarm(state, this.now());
    });
  }

  /** Creates the schedule, unless it exists: then it is returned unchanged with `created: false`. */
  async create(config: ScheduleConfig, paused: boolean, by: string): Promise<{ created: boolean; schedule: ScheduleView }> {
    this.ensureSchema();
    const existing = this.load();
    if (existing) return { created: false, schedule: this.viewOf(existing) };
    const now = this.now();
    const state: ScheduleState = {
      config,
      paused,
      paused_by: paused ? by : null,
      next_fire_at: paused ? null : nextFireAfter(config, now, now),
      anchor_at: now,
      last_fire_at: null,
      last_task_uuid: null,
      buffered_fire_at: null,
      missed_fires: 0,
      created_at: now,
      updated_at: now,
      revision: 1,
      index_revision: 0,
    };
    this.commit(state, [], now);
    await this.syncIndex(state);
    return { created: true, schedule: this.viewOf(state) };
  }

  /**
   * Creates or updates a template-declared schedule. A changed timing starts counting from now; the
   * paused flag, the last task and the fire record stay as they are. Unchanged: nothing is written.
   */
  async configure(config: ScheduleConfig): Promise<ScheduleView> {
    this.ensureSchema();
    const existing = this.load();
    if (!existing) return (await this.create(config, false, config.created_by)).schedule;
    if (JSON.stringify(existing.config) === JSON.stringify(config)) {
      if (existing.index_revision < existing.revision) await this.syncIndex(existing);
      return this.viewOf(existing);
    }
    const now = this.now();
    const retimed = !sameTiming(existing.config, config);
    const state: ScheduleState = {
      ...existing,
      config,
      anchor_at: retimed ? now : existing.anchor_at,
      next_fire_at: existing.paused ? null : retimed ? nextFireAfter(config, now, now) : existing.next_fire_at,
      updated_at: now,
      revision: existing.revision + 1,
    };
    this.commit(state, [], now);
    await this.syncIndex(state);
    return this.viewOf(state);
  }

  get(): ScheduleView | null {
    this.ensureSchema();
    const state = this.load();
    return state ? this.viewOf(state) : null;
  }

  inspect(): Promise<ScheduleInspection> {
    return this.ctx.storage.getAlarm().then((alarm) => ({ schedule: this.get(), alarm }));
  }

  /** Stops firing (a held fire is dropped). Pausing a paused schedule changes nothing. */
  async pause(by: string): Promise<ScheduleView | null> {
    this.ensureSchema();
    const existing = this.load();
    if (!existing) return null;
    if (existing.paused) return this.viewOf(existing);
    const now = this.now();
    const state: ScheduleState = {
      ...existing,
      paused: true,
      paused_by: by,
      next_fire_at: null,
      buffered_fire_at: null,
      updated_at: now,
      revision: existing.revision + 1,
    };
    this.commit(state, [], now);
    await this.syncIndex(state);
    return this.viewOf(state);
  }

  /** Fires again from the next fire time after now: fire times that passed while paused are not caught up. */
  async resume(): Promise<ScheduleView | null> {
    this.ensureSchema();
    const existing = this.load();
    if (!existing) return null;
    if (!existing.paused) return this.viewOf(existing);
    const now = this.now();
    const state: ScheduleState = {
      ...existing,
      paused: false,
      paused_by: null,
      next_fire_at: nextFireAfter(existing.config, now, existing.anchor_at),
      updated_at: now,
      revision: existing.revision + 1,
    };
    this.commit(state, [], now);
    await this.syncIndex(state);
    return this.viewOf(state);
  }

  /** Deletes the schedule: its alarm and storage first (it can fire no more), then its index row. */
  async remove(): Promise<boolean> {
    this.ensureSchema();
    const existing = this.load();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    if (!existing) return false;
    await removeScheduleIndex(this.env.TASKER_DB, existing.config.schedule_id);
    return true;
  }

  /** Fires now, outside the schedule, under its overlap policy (with its own identity, so it never merges with a scheduled fire). */
  async trigger(by: string): Promise<TriggerResult | null> {
    this.ensureSchema();
    let result: TriggerResult | null = null;
    let failure: unknown = null;
    // A throw inside blockConcurrencyWhile resets the object: an unreachable task object is answered instead.
    await this.ctx.blockConcurrencyWhile(async () => {
      try {
        result = await this.fireManually(by);
      } catch (error) {
        failure = error;
      }
    });
    if (failure !== null) throw failure;
    const state = this.load();
    if (state && state.index_revision < state.revision) await this.syncIndex(state);
    return result;
  }

  private async fireManually(by: string): Promise<TriggerResult | null> {
    const existing = this.load();
    if (!existing) return null;
    const now = this.now();
    const state = { ...existing };
    const running = await taskStillRuns(this.env, state.last_task_uuid);
    const decision = decideFire(state.config.overlap, running, state.buffered_fire_at !== null);
    let record: FireRow;
    if (decision === "start") {
      const started = await startScheduledTask(this.env, state.config, now, { manual: true, by });
      record = this.recordOf(now, true, started, now);
      if (started.ok) state.last_task_uuid = started.task_uuid;
    } else {
      if (decision === "buffer") state.buffered_fire_at = now;
      const outcome = decision === "buffer" ? "buffered" : "skipped";
      record = { fire_at: now, manual: 1, outcome, task_uuid: null, detail: "the previous task still runs", recorded_at: now };
    }
    state.updated_at = now;
    state.revision += 1;
    this.commit(state, [record], now);
    return { outcome: record.outcome, task_uuid: record.task_uuid, detail: record.detail, schedule: this.viewOf(state) };
  }

  /** The fire: every due fire time (bounded by catch-up), a held fire whose previous task ended, and the index. */
  override async alarm(): Promise<void> {
    this.ensureSchema();
    await this.ctx.blockConcurrencyWhile(async () => {
      const existing = this.load();
      if (!existing) return;
      const now = this.now();
      try {
        await this.fireDue(existing, now);
      } catch (error) {
        // The next try recomputes the same fires; their identities make the tasks already started no-ops.
        log("error", "schedule.fire_failed", { schedule_id: existing.config.schedule_id, error: String(error) });
        await this.ctx.storage.setAlarm(now + FIRE_RETRY_MS);
      }
    });
    const state = this.load();
    if (state && state.index_revision < state.revision) await this.syncIndex(state);
  }

  private async fireDue(existing: ScheduleState, now: number): Promise<void> {
    const state = { ...existing };
    const { config } = state;
    const records: FireRow[] = [];
    let running: boolean | undefined;
    const previousRuns = async () => {
      running ??= await taskStillRuns(this.env, state.last_task_uuid);
      return running;
    };
    const start = async (fireAt: number) => {
      const started = await startScheduledTask(this.env, config, fireAt, { manual: false, by: null });
      records.push(this.recordOf(fireAt, false, started, now));
      if (started.ok) {
        state.last_task_uuid = started.task_uuid;
        running = true;
      }
    };
    // A held fire starts as soon as the task it waited for has ended.
    if (state.buffered_fire_at !== null && !(await previousRuns())) {
      const held = state.buffered_fire_at;
      state.buffered_fire_at = null;
      await start(held);
    }
    if (!state.paused && state.next_fire_at !== null) {
      const plan = planDueFires(config, state.next_fire_at, now, state.anchor_at, config.catch_up);
      for (const fireAt of plan.run) {
        const decision =
          config.overlap === "allow"
            ? "start"
            : decideFire(config.overlap, await previousRuns(), state.buffered_fire_at !== null);
        if (decision === "start") await start(fireAt);
        else {
          if (decision === "buffer") state.buffered_fire_at = fireAt;
          const outcome = decision === "buffer" ? "buffered" : "skipped";
          records.push({
            fire_at: fireAt,
            manual: 0,
            outcome,
            task_uuid: null,
            detail: "the previous task still runs",
            recorded_at: now,
          });
        }
        state.last_fire_at = fireAt;
      }
      if (plan.dropped > 0) {
        state.missed_fires += plan.dropped;
        const detail = `${plan.dropped} missed fire time(s) before ${iso(plan.run[0] ?? now)} dropped: catch_up is ${config.catch_up}`;
        records.push({ fire_at: now, manual: 0, outcome: "missed", task_uuid: null, detail, recorded_at: now });
      }
      state.next_fire_at = plan.next;
    }
    if (records.length === 0 && state.next_fire_at === existing.next_fire_at) {
      this.armAlarm(state, now);
      return;
    }
    state.updated_at = now;
    state.revision += 1;
    this.commit(state, records, now);
  }

  private recordOf(fireAt: number, manual: boolean, started: StartResult, now: number): FireRow {
    return started.ok
      ? {
          fire_at: fireAt,
          manual: manual ? 1 : 0,
          outcome: "started",
          task_uuid: started.task_uuid,
          detail: started.created ? null : "the task of this fire already existed",
          recorded_at: now,
        }
      : {
          fire_at: fireAt,
          manual: manual ? 1 : 0,
          outcome: "failed",
          task_uuid: null,
          detail: `${started.code}: ${started.message}`,
          recorded_at: now,
        };
  }

  private ensureSchema(): void {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS schedule_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)");
    sql.exec(
      `CREATE TABLE IF NOT EXISTS fires (fire_at INTEGER NOT NULL, manual INTEGER NOT NULL, outcome TEXT NOT NULL,
        task_uuid TEXT, detail TEXT, recorded_at INTEGER NOT NULL, PRIMARY KEY (fire_at, manual, outcome))`,
    );
  }

  private load(): ScheduleState | null {
    const row = this.ctx.storage.sql.exec<{ state: string }>("SELECT state FROM schedule_state WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.state) as ScheduleState) : null;
  }

  /** Writes the state and the fire records in one transaction, then sets the alarm before any await: they are durable together. */
  private commit(state: ScheduleState, records: FireRow[], now: number): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec("INSERT OR REPLACE INTO schedule_state (id, state) VALUES (1, ?)", JSON.stringify(state));
      for (const r of records) {
        sql.exec(
          "INSERT OR REPLACE INTO fires (fire_at, manual, outcome, task_uuid, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
          r.fire_at,
          r.manual,
          r.outcome,
          r.task_uuid,
          r.detail,
          r.recorded_at,
        );
      }
      if (records.length > 0) {
        sql.exec(
          "DELETE FROM fires WHERE rowid NOT IN (SELECT rowid FROM fires ORDER BY recorded_at DESC, fire_at DESC LIMIT ?)",
          KEPT_FIRES,
        );
      }
    });
    this.armAlarm(state, now);
  }

  /** The alarm: the next fire, or sooner to poll a held fire or to retry the index; none while paused with nothing to do. */
  private armAlarm(state: ScheduleState, now: number): void {
    const candidates: number[] = [];
    if (state.next_fire_at !== null) candidates.push(state.next_fire_at);
    if (state.buffered_fire_at !== null) candidates.push(now + BUFFER_POLL_MS);
    if (state.index_revision < state.revision) candidates.push(now + INDEX_RETRY_MS);
    if (candidates.length === 0) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(Math.min(...candidates));
  }

  /** Writes the index row; a failure leaves it for the alarm to write again. */
  private async syncIndex(state: ScheduleState): Promise<void> {
    try {
      await writeScheduleIndex(this.env.TASKER_DB, this.indexEntryOf(state));
    } catch (error) {
      log("warn", "schedule.index_write_failed", { schedule_id: state.config.schedule_id, error: String(error) });
      return;
    }
    const current = this.load();
    if (!current || current.revision !== state.revision) return;
    current.index_revision = state.revision;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO schedule_state (id, state) VALUES (1, ?)", JSON.stringify(current));
    this.armAlarm(current, this.now());
  }

  private indexEntryOf(state: ScheduleState): ScheduleIndexEntry {
    const { config } = state;
    return {
      schedule_id: config.schedule_id,
      namespace: config.namespace,
      name: config.name,
      template_name: config.template_name,
      template_version: config.template_version,
      source: config.source,
      cron: config.cron,
      interval_seconds: config.interval_seconds,
      timezone: config.timezone,
      overlap: config.overlap,
      paused: state.paused,
      next_fire_at: state.next_fire_at,
      last_fire_at: state.last_fire_at,
      last_task_uuid: state.last_task_uuid,
      created_at: state.created_at,
      updated_at: state.updated_at,
      revision: state.revision,
    };
  }

  private viewOf(state: ScheduleState): ScheduleView {
    const fires = this.ctx.storage.sql
      .exec<FireRow>(
        "SELECT fire_at, manual, outcome, task_uuid, detail, recorded_at FROM fires ORDER BY recorded_at DESC, fire_at DESC LIMIT ?",
        RECENT_FIRES,
      )
      .toArray();
    return {
      ...state.config,
      paused: state.paused,
      paused_by: state.paused_by,
      next_fire_at: iso(state.next_fire_at),
      last_fire_at: iso(state.last_fire_at),
      last_task_uuid: state.last_task_uuid,
      buffered_fire_at: iso(state.buffered_fire_at),
      missed_fires: state.missed_fires,
      created_at: new Date(state.created_at).toISOString(),
      updated_at: new Date(state.updated_at).toISOString(),
      recent_fires: fires.map(
        (f): FireRecord => ({
          fire_at: new Date(f.fire_at).toISOString(),
          manual: f.manual === 1,
          outcome: f.outcome,
          task_uuid: f.task_uuid,
          detail: f.detail,
          recorded_at: new Date(f.recorded_at).toISOString(),
        }),
      ),
    };
  }
}
