// A finished task's retention inside its object: the purge timer armed when the task ends, and the check when it fires.

import {
  DAY_MS,
  KEEP_FOREVER,
  parseRetention,
  purgeDueAt,
  type Retention,
  readRetentionConfig,
  retentionOf,
} from "../engine/retention";
import { isTerminalTaskState } from "../engine/states";
import { log } from "../log";
import type { TaskRow } from "./rows";

/** The object's purge timer (no step): due when the task's retention has run out. */
export const PURGE_TIMER = "purge";
/** A purge that has to wait (effects still pending, the index removal failed) looks again this much later. */
export const PURGE_RETRY_MS = 60_000;

/** What the purge timer does when it fires. */
export type PurgeVerdict =
  /** Not finished (reopened), or kept forever: the timer goes; the task's next end arms a new one. */
  | { kind: "keep" }
  /** Not yet (the retention grew since the timer was armed, or effects are pending): look again then. */
  | { kind: "later"; at: number }
  | { kind: "purge" };

/**
 * The decision when the purge timer fires, from the task as it is now and the retention as configured
 * now. The timer's own time says the retention it was armed with (`armed`) has run out: a retention
 * raised since then moves the purge by the difference, and `forever` keeps the task. A lowered one
 * does not bring it forward.
 */
export function purgeVerdict(
  task: TaskRow,
  retention: { armed: Retention | null; now: Retention },
  timerDueAt: number,
  outboxBusy: boolean,
  now: number,
): PurgeVerdict {
  if (!isTerminalTaskState(task.state) || task.completed_at === null) return { kind: "keep" };
  if (retention.now === KEEP_FOREVER) return { kind: "keep" };
  const armedDays = typeof retention.armed === "number" ? retention.armed : 0;
  if (retention.now > armedDays) return { kind: "later", at: timerDueAt + (retention.now - armedDays) * DAY_MS };
  // A finished task's last notices (to its parent, to its children, to its webhooks) go out before it is forgotten.
  if (outboxBusy) return { kind: "later", at: now + PURGE_RETRY_MS };
  return { kind: "purge" };
}

/** The purge timer's rows in the object's timers table. Every method runs inside the caller's transaction. */
export class PurgeTimer {
  constructor(
    private readonly sql: SqlStorage,
    private readonly env: () => unknown,
  ) {}

  /** The task's retention now: its template's `retention_days`, else the operator's settings (read at each use). */
  retention(task: TaskRow): Retention {
    const config = readRetentionConfig(this.env());
    if (config.problems.length > 0) {
      log("error", "retention.misconfigured", { task_uuid: task.task_uuid, problems: config.problems });
    }
    const templateRetention = this.sql
      .exec<{ days: number | string | null }>("SELECT json_extract(template, '$.retention_days') AS days FROM task LIMIT 1")
      .one().days;
    return retentionOf(templateRetention === null ? undefined : (templateRetention as Retention), task.namespace, config);
  }

  /** The task just ended: its purge is due when its retention runs out (no timer when kept forever). */
  arm(task: TaskRow, endedAt: number): void {
    this.clear();
    const retention = this.retention(task);
    this.sql.exec("UPDATE task SET retention = ? WHERE 1", String(retention));
    const due = purgeDueAt(endedAt, retention);
    if (due !== null) this.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, ?)", due, PURGE_TIMER);
  }

  /** The retention the purge timer was armed with; null when none was recorded. */
  armedRetention(): Retention | null {
    const stored = this.sql.exec<{ retention: string | null }>("SELECT retention FROM task LIMIT 1").one().retention;
    return stored === null ? null : (parseRetention(stored) ?? null);
  }

  /** The purge moves to `at`, under the retention in force now when given. */
  postpone(at: number, retention?: Retention): void {
    this.clear();
    if (retention !== undefined) this.sql.exec("UPDATE task SET retention = ? WHERE 1", String(retention));
    this.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, ?)", at, PURGE_TIMER);
  }

  /** On wake-up: a finished task without a purge timer (it ended before retention existed) gets one. */
  reconcile(task: TaskRow): void {
    if (!isTerminalTaskState(task.state) || task.completed_at === null || task.purged_at !== null) return;
    // Kept forever when it ended, or already armed: nothing to repair.
    if (this.dueAt() !== null || this.armedRetention() === KEEP_FOREVER) return;
    this.arm(task, task.completed_at);
  }

  /** When the purge is due; null when none is armed. */
  dueAt(): number | null {
    return this.sql.exec<{ due: number | null }>("SELECT MIN(due_at) AS due FROM timers WHERE kind = ?", PURGE_TIMER).one().due;
  }

  clear(): void {
    this.sql.exec("DELETE FROM timers WHERE kind = ?", PURGE_TIMER);
  }
}
