// The task's row in the task index (D1): an effect written with each status change, sent off the hot path.
import { purgeTaskIndex, type TaskIndexEntry, type TaskTombstone, writeTaskIndex } from "../catalog/task-index";
import type { TaskTransitionRecord } from "../engine/task-run";
import { log } from "../log";
import { WAIT_FOR_EVENT_HANDLER } from "../shared/names";
import type { TaskTemplate } from "../templates/types";
import type { TaskRow } from "./rows";

/** The effect kind; at most one such row is pending per task, for its latest state. */
export const INDEX_EFFECT = "index_task";
/** Timer kind that retries a pending index write (the step outbox's flush timer is cleared independently). */
export const INDEX_FLUSH_TIMER = "index_flush";
/** First retry of a failed write; doubles per failure up to the cap. */
export const INDEX_RETRY_BASE_MS = 5_000;
export const INDEX_RETRY_MAX_MS = 300_000;
/**
 * How long a new task that cannot take events waits for its first index write. If its status
 * changes sooner (it finishes), that write carries the new status instead: a short task costs one
 * D1 write, not two. A task with a wait-for-event step is written at once, because an event sent by
 * `correlation_id` finds its tasks through the index; no other read needs a task indexed sooner.
 */
export const INDEX_SETTLE_MS = 1_000;

/** When a task created now should first be indexed: at once if a step of it can wait for an event. */
export function firstIndexWriteAt(template: Pick<TaskTemplate, "steps">, now: number): number {
  const takesEvents = template.steps.some((step) => step.handler.callable === WAIT_FOR_EVENT_HANDLER);
  return takesEvents ? now : now + INDEX_SETTLE_MS;
}

/**
 * Whether an operation's task transitions change what the index holds: the task's status at the end
 * differs from its status at the start. Creation always does (from `pending`). A report that passes
 * through `evaluating_results` and back to `steps_in_process` does not, so busy tasks cost no writes.
 */
export function changesIndexedStatus(transitions: readonly Pick<TaskTransitionRecord, "from" | "to">[]): boolean {
  const first = transitions[0];
  const last = transitions.at(-1);
  return first !== undefined && last !== undefined && first.from !== last.to;
}

/** The index row of a task: its summary fields, with the latest transition's id as a revision that only grows. */
export function indexEntryOf(task: TaskRow, totalSteps: number, revision: number): TaskIndexEntry {
  return {
    task_uuid: task.task_uuid,
    namespace: task.namespace,
    name: task.name,
    version: task.version,
    status: task.state,
    initiator: task.initiator,
    source_system: task.source_system,
    reason: task.reason,
    priority: task.priority,
    tags: JSON.parse(task.tags) as string[],
    correlation_id: task.correlation_id,
    parent_correlation_id: task.parent_correlation_id,
    total_steps: totalSteps,
    created_at: task.created_at,
    updated_at: task.updated_at,
    completed_at: task.completed_at,
    revision,
  };
}

/** What the catalog keeps of a purged task. */
export function tombstoneOf(task: TaskRow, purgedAt: number): TaskTombstone {
  return {
    task_uuid: task.task_uuid,
    namespace: task.namespace,
    name: task.name,
    version: task.version,
    status: task.state,
    completed_at: task.completed_at,
    purged_at: purgedAt,
  };
}

interface PendingIndexWrite {
  id: number;
  attempts: number;
}

/**
 * Keeps a task's index row in step with its object. `enqueue` runs inside the operation's
 * transaction; `flush` writes the current state afterwards, without the operation waiting for it. A
 * failed write stays pending and the object's alarm retries it with backoff; since every write carries
 * the current state and a growing revision, retries and late writes are harmless.
 */
export class TaskIndexWriter {
  private flushing: Promise<void> | null = null;
  private again = false;
  /** Whether a pending write may exist; starts true so a crash's leftover is sent. */
  private dirty = true;

  /**
   * @param timersChanged called synchronously after this writer changes the timers table, before any
   *   `await`, so the object points its alarm at them in the same write batch.
   */
  constructor(
    private readonly sql: SqlStorage,
    private readonly task: () => TaskRow | null,
    private readonly db: () => D1Database | undefined,
    private readonly timersChanged: () => void,
    /** Fault-injection seam: called just before the write's await, outside its error handling. */
    private readonly beforeWrite: () => void = () => {},
  ) {}

  /** A brand-new object (no schema yet) has no leftovers of a crash: its first flush need not look. */
  nothingLeftOver(): void {
    this.dirty = false;
  }

  /** On wake-up: a pending write left without its retry timer (an older release, a crash) gets one due now. */
  reconcile(now: number): void {
    if (this.pending()) this.armRetry(now);
  }

  /**
   * Replaces any pending index write with one for the state this transaction leaves. A write held
   * until `notBefore` is left to its timer, armed for that moment, unless a later status change
   * replaces it with one that goes at once. The hold only saves a write: anything that sends it
   * sooner (the object waking from eviction, another timer's alarm) sends a correct row.
   */
  enqueue(now: number, notBefore = now): void {
    this.sql.exec("DELETE FROM effects WHERE kind = ?", INDEX_EFFECT);
    this.sql.exec(
      "INSERT INTO effects (kind, payload, created_at) VALUES (?, ?, ?)",
      INDEX_EFFECT,
      JSON.stringify({ kind: INDEX_EFFECT, attempts: 0 }),
      now,
    );
    const held = notBefore > now;
    this.armRetry(held ? notBefore : now + INDEX_RETRY_BASE_MS);
    this.dirty = !held;
  }

  /** Whether an index write (or a purge's removal) still waits to be sent. */
  hasPending(): boolean {
    return this.pending() !== null;
  }

  /** Marks a write as possibly pending (the alarm fired), so the next flush looks. */
  wake(): void {
    this.dirty = true;
  }

  /** Sends the pending write, if any; resolves once nothing more is to be done now. Never rejects. */
  flush(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      // Cleared in the same turn as the last look at `again`: a `flush` arriving after that look
      // starts a new round instead of joining one that has already ended.
      try {
        do {
          this.again = false;
          this.dirty = false;
          await this.writeOnce();
        } while (this.again);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private pending(): PendingIndexWrite | null {
    const row = this.sql
      .exec<{ id: number; payload: string }>(
        "SELECT id, payload FROM effects WHERE kind = ? ORDER BY id DESC LIMIT 1",
        INDEX_EFFECT,
      )
      .toArray()[0];
    if (!row) return null;
    const { attempts = 0 } = JSON.parse(row.payload) as { attempts?: number };
    return { id: row.id, attempts };
  }

  private async writeOnce(): Promise<void> {
    const pending = this.pending();
    const task = this.task();
    if (!pending || !task) {
      this.clearRetry();
      this.timersChanged();
      return;
    }
    // Read together, with no await in between: the entry is one consistent state of the task.
    const totalSteps = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM steps").one().n;
    const revision = this.sql.exec<{ r: number | null }>("SELECT MAX(id) AS r FROM task_transitions").one().r ?? 0;
    const entry = indexEntryOf(task, totalSteps, revision);
    this.beforeWrite();
    try {
      const db = this.db();
      if (!db) throw new Error("binding TASKER_DB is not configured");
      // A task being purged leaves the index, and its tombstone takes its place, in one D1 transaction.
      if (task.purged_at !== null) await purgeTaskIndex(db, tombstoneOf(task, task.purged_at));
      else await writeTaskIndex(db, entry);
    } catch (error) {
      const attempts = pending.attempts + 1;
      const delay = Math.min(INDEX_RETRY_MAX_MS, INDEX_RETRY_BASE_MS * 2 ** (attempts - 1));
      log("error", "task_index.write_failed", { task_uuid: task.task_uuid, attempts, retry_in_ms: delay, error: String(error) });
      this.sql.exec("UPDATE effects SET payload = ? WHERE id = ?", JSON.stringify({ kind: INDEX_EFFECT, attempts }), pending.id);
      this.armRetry(Date.now() + delay, true);
      this.timersChanged();
      return;
    }
    // A newer state enqueued while the write was in flight keeps its row (a higher id) and is sent next.
    this.sql.exec("DELETE FROM effects WHERE kind = ? AND id <= ?", INDEX_EFFECT, pending.id);
    if (this.pending()) this.again = true;
    else {
      this.clearRetry();
      this.timersChanged();
    }
  }

  private armRetry(dueAt: number, replace = false): void {
    if (replace) this.clearRetry();
    const armed = this.sql.exec("SELECT 1 FROM timers WHERE kind = ? LIMIT 1", INDEX_FLUSH_TIMER).toArray().length > 0;
    if (!armed) this.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, ?)", dueAt, INDEX_FLUSH_TIMER);
  }

  private clearRetry(): void {
    this.sql.exec("DELETE FROM timers WHERE kind = ?", INDEX_FLUSH_TIMER);
  }
}
