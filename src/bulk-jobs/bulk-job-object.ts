// The Durable Object that runs one bulk job: its plan, cursor and per-task outcomes in SQLite, one page of tasks per alarm run.
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { type BulkJobSummary, writeBulkJobIndex } from "../catalog/bulk-jobs";
import { type IndexKey, pageTaskIndex, type TaskIndexFilters } from "../catalog/task-index";
import type { BulkAction } from "../contract/permissions";
import type { BulkJobViewSchema } from "../contract/responses";
import type { NamespaceScope } from "../engine/namespace-scope";
import type { Actor } from "../engine/task-run";
import { log } from "../log";
import { taskObject } from "../task-object/client";
import { applyBulkAction, type BulkOutcome } from "./bulk-action";
import { BULK_CONCURRENCY, readBulkPacing } from "./pacing";

export type BulkJobView = z.output<typeof BulkJobViewSchema>;
export type BulkJobStatus = BulkJobView["status"];

/** What the API decided when it created the job: the action, the filter, the creator and the snapshot bound. */
export interface BulkJobPlan {
  job_id: string;
  action: BulkAction;
  reason: string;
  filter: TaskIndexFilters;
  actor: Actor;
  namespaces: NamespaceScope;
  matched: number;
  /** The newest matching task at creation: the job never goes above it. `null`: nothing matched. */
  upper_bound: IndexKey | null;
}

/** Skipped and failed tasks listed in the job's view (the counts cover them all). */
export const MAX_LISTED_ERRORS = 50;
/** After this many retries of a failing alarm (D1 unreachable), the job ends as `failed`. */
const MAX_ALARM_RETRIES = 5;

interface JobRow {
  job_id: string;
  action: BulkAction;
  reason: string;
  filter: string;
  actor: string;
  namespaces: string | null;
  status: BulkJobStatus;
  matched: number;
  upper_created_at: number | null;
  upper_uuid: string | null;
  cursor_created_at: number | null;
  cursor_uuid: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  failure: string | null;
  revision: number;
  indexed_revision: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS job (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    job_id TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    filter TEXT NOT NULL,
    actor TEXT NOT NULL,
    namespaces TEXT,
    status TEXT NOT NULL,
    matched INTEGER NOT NULL,
    upper_created_at INTEGER,
    upper_uuid TEXT,
    cursor_created_at INTEGER,
    cursor_uuid TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    failure TEXT,
    revision INTEGER NOT NULL,
    indexed_revision INTEGER NOT NULL
  )`,
  // One row per task acted on, written before the cursor moves past it: a re-run page skips these.
  `CREATE TABLE IF NOT EXISTS outcomes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_uuid TEXT NOT NULL UNIQUE,
    outcome TEXT NOT NULL,
    code TEXT,
    message TEXT,
    at INTEGER NOT NULL
  )`,
];

const iso = (ms: number) => new Date(ms).toISOString();

/** The filter as the view shows it: times back in ISO 8601. */
function filterView(filter: TaskIndexFilters): BulkJobView["filter"] {
  const { created_after, created_before, ...rest } = filter;
  const view: BulkJobView["filter"] = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) Object.assign(view, { [key]: value });
  if (created_after !== undefined) view.created_after = iso(created_after);
  if (created_before !== undefined) view.created_before = iso(created_before);
  return view;
}

export class BulkJobObject extends DurableObject<Env> {
  /** The page being worked on, so a second alarm call (a test's, or a retry) waits for it instead of running beside it. */
  private running: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
  }

  /** Records the plan and arms the first page. Starting a job that exists already returns it unchanged. */
  async start(plan: BulkJobPlan): Promise<BulkJobView> {
    if (this.row() === null) {
      const now = Date.now();
      const done = plan.upper_bound === null;
      this.ctx.storage.sql.exec(
        `INSERT INTO job (id, job_id, action, reason, filter, actor, namespaces, status, matched, upper_created_at, upper_uuid,
           cursor_created_at, cursor_uuid, created_at, updated_at, finished_at, failure, revision, indexed_revision)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, NULL, 1, 0)`,
        plan.job_id,
        plan.action,
        plan.reason,
        JSON.stringify(plan.filter),
        JSON.stringify(plan.actor),
        plan.namespaces === null ? null : JSON.stringify(plan.namespaces),
        done ? "completed" : "running",
        plan.matched,
        plan.upper_bound?.created_at ?? null,
        plan.upper_bound?.task_uuid ?? null,
        now,
        now,
        done ? now : null,
      );
      // Set in the same synchronous block as the row, so both are durable together.
      void this.ctx.storage.setAlarm(now + (done ? 0 : readBulkPacing(this.env).pageIntervalMs));
      log("info", "bulk_job.started", { job_id: plan.job_id, action: plan.action, matched: plan.matched });
      // Listed at once; should D1 not answer, the first alarm lists it.
      await this.writeIndex().catch((error) =>
        log("warn", "bulk_job.index_deferred", { job_id: plan.job_id, error: String(error) }),
      );
    }
    return this.viewOrThrow();
  }

  /** The job and its progress, or null when no job lives here. */
  view(): BulkJobView | null {
    const row = this.row();
    return row === null ? null : this.viewOf(row);
  }

  /** The scope the job was created with: the API shows a job only to callers whose scope covers it. */
  scope(): { namespaces: NamespaceScope; action: BulkAction } | null {
    const row = this.row();
    return row === null ? null : { namespaces: row.namespaces === null ? null : JSON.parse(row.namespaces), action: row.action };
  }

  /** Stops a running job before its next task; tasks already acted on stay as they are. */
  async cancel(actor: Actor): Promise<{ ok: true; view: BulkJobView } | { ok: false; status: BulkJobStatus | null }> {
    const row = this.row();
    if (row === null || row.status !== "running") return { ok: false, status: row?.status ?? null };
    this.finish("cancelled", null);
    log("info", "bulk_job.cancelled", { job_id: row.job_id, by: actor.name });
    return { ok: true, view: this.viewOrThrow() };
  }

  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    if (this.running) return this.running;
    this.running = this.runAlarm(info).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runAlarm(info?: AlarmInvocationInfo): Promise<void> {
    const row = this.row();
    if (row === null) return;
    try {
      if (row.status === "running") await this.runPage(row);
      await this.writeIndex();
    } catch (error) {
      log("error", "bulk_job.page_failed", { job_id: row.job_id, error: String(error), retry: info?.retryCount ?? 0 });
      if ((info?.retryCount ?? 0) < MAX_ALARM_RETRIES) throw error;
      if (this.row()?.status === "running") this.finish("failed", `the task index could not be read: ${String(error)}`);
      // Still try to list the job's end; the object itself already holds it.
      await this.writeIndex().catch(() => undefined);
    }
  }

  /** Acts on the next page of tasks, records each outcome, then moves the cursor past the page. */
  private async runPage(row: JobRow): Promise<void> {
    const pacing = readBulkPacing(this.env);
    const upTo: IndexKey = { created_at: row.upper_created_at as number, task_uuid: row.upper_uuid as string };
    const after: IndexKey | null =
      row.cursor_created_at === null ? null : { created_at: row.cursor_created_at, task_uuid: row.cursor_uuid as string };
    const namespaces = row.namespaces === null ? null : (JSON.parse(row.namespaces) as string[]);
    const filter = JSON.parse(row.filter) as TaskIndexFilters;
    const rows = await pageTaskIndex(this.env.TASKER_DB, filter, namespaces, upTo, after, pacing.pageSize + 1);
    const page = rows.slice(0, pacing.pageSize);
    const request = {
      action: row.action,
      reason: row.reason,
      actor: JSON.parse(row.actor) as Actor,
      performedBy: `bulk-job:${row.job_id}`,
      scope: namespaces,
    };
    for (let start = 0; start < page.length; start += BULK_CONCURRENCY) {
      await Promise.all(
        page.slice(start, start + BULK_CONCURRENCY).map(async ({ task_uuid }) => {
          // Cancelled meanwhile, or acted on by an earlier run of this page: leave it.
          if (!this.isRunning() || this.recorded(task_uuid)) return;
          const outcome = await applyBulkAction(taskObject(this.env, task_uuid), request);
          // Recorded even when a cancel arrived meanwhile: the action happened, and the counts say so.
          this.record(task_uuid, outcome);
        }),
      );
      if (!this.isRunning()) return;
    }
    const last = page.at(-1);
    const more = rows.length > page.length;
    const now = Date.now();
    this.ctx.storage.sql.exec(
      "UPDATE job SET cursor_created_at = ?, cursor_uuid = ?, updated_at = ?, revision = revision + 1 WHERE id = 1",
      last?.created_at ?? row.cursor_created_at,
      last?.task_uuid ?? row.cursor_uuid,
      now,
    );
    if (more) void this.ctx.storage.setAlarm(now + pacing.pageIntervalMs);
    else this.finish("completed", null);
  }

  private finish(status: BulkJobStatus, failure: string | null): void {
    const now = Date.now();
    this.ctx.storage.sql.exec(
      "UPDATE job SET status = ?, failure = ?, finished_at = ?, updated_at = ?, revision = revision + 1 WHERE id = 1",
      status,
      failure,
      now,
      now,
    );
    // The next alarm only brings the listing up to date.
    void this.ctx.storage.setAlarm(now);
  }

  /** Brings the D1 listing up to this job's revision. */
  private async writeIndex(): Promise<void> {
    const row = this.row();
    if (row === null || row.indexed_revision >= row.revision) return;
    const { errors: _errors, failure: _failure, ...summary } = this.viewOf(row);
    await writeBulkJobIndex(
      this.env.TASKER_DB,
      summary satisfies BulkJobSummary,
      row.namespaces === null ? null : JSON.parse(row.namespaces),
      row.revision,
    );
    this.ctx.storage.sql.exec("UPDATE job SET indexed_revision = MAX(indexed_revision, ?) WHERE id = 1", row.revision);
  }

  private record(taskUuid: string, outcome: BulkOutcome): void {
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO outcomes (task_uuid, outcome, code, message, at) VALUES (?, ?, ?, ?, ?)",
      taskUuid,
      outcome.outcome,
      outcome.code,
      outcome.message,
      Date.now(),
    );
    this.ctx.storage.sql.exec("UPDATE job SET revision = revision + 1 WHERE id = 1");
    // A task finished after a cancel: the next alarm brings the listing's counts up to date.
    if (!this.isRunning()) void this.ctx.storage.setAlarm(Date.now());
  }

  private recorded(taskUuid: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM outcomes WHERE task_uuid = ?", taskUuid).toArray().length > 0;
  }

  private isRunning(): boolean {
    return this.row()?.status === "running";
  }

  private row(): JobRow | null {
    return (this.ctx.storage.sql.exec("SELECT * FROM job WHERE id = 1").toArray()[0] as unknown as JobRow | undefined) ?? null;
  }

  private viewOrThrow(): BulkJobView {
    const view = this.view();
    if (view === null) throw new Error("no bulk job in this object");
    return view;
  }

  private viewOf(row: JobRow): BulkJobView {
    const counts = { succeeded: 0, skipped: 0, failed: 0 };
    for (const { outcome, n } of this.ctx.storage.sql.exec<{ outcome: keyof typeof counts; n: number }>(
      "SELECT outcome, COUNT(*) AS n FROM outcomes GROUP BY outcome",
    )) {
      counts[outcome] = n;
    }
    const errors = this.ctx.storage.sql
      .exec<{ task_uuid: string; outcome: "skipped" | "failed"; code: string; message: string }>(
        "SELECT task_uuid, outcome, code, message FROM outcomes WHERE outcome != 'succeeded' ORDER BY seq LIMIT ?",
        MAX_LISTED_ERRORS,
      )
      .toArray();
    return {
      job_id: row.job_id,
      action: row.action,
      filter: filterView(JSON.parse(row.filter) as TaskIndexFilters),
      reason: row.reason,
      status: row.status,
      matched: row.matched,
      processed: counts.succeeded + counts.skipped + counts.failed,
      ...counts,
      created_by: (JSON.parse(row.actor) as Actor).name,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
      finished_at: row.finished_at === null ? null : iso(row.finished_at),
      failure: row.failure,
      errors,
    };
  }
}
