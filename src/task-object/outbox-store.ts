// The outbox and effects tables: messages and calls to other objects, written with the change that calls for them.

import type { Effect, EffectRow, OutboxRow } from "./rows";
import { insertChunked } from "./sql-chunks";

/** Timer kind the object itself uses to re-send outbox rows a crash or a failed send left behind. */
export const OUTBOX_FLUSH_TIMER = "outbox_flush";

export class OutboxStore {
  constructor(private readonly sql: SqlStorage) {}

  insertEffects(effects: Effect[], now: number): void {
    insertChunked(
      this.sql,
      "effects",
      ["kind", "payload", "created_at"],
      effects.map((effect) => [effect.kind, JSON.stringify(effect), now]),
    );
  }

  pendingEffects(limit: number): EffectRow[] {
    return this.sql
      .exec<{ id: number; payload: string }>(
        "SELECT id, payload FROM effects WHERE kind != 'index_task' ORDER BY id LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => ({ id: row.id, effect: JSON.parse(row.payload) as Effect }));
  }

  deleteEffect(id: number): void {
    this.sql.exec("DELETE FROM effects WHERE id = ?", id);
  }

  /** Arms the outbox safety net once: if the sends after this transaction never happen, the alarm retries them. */
  ensureOutboxFlushTimer(dueAt: number): void {
    const existing = this.sql.exec("SELECT 1 FROM timers WHERE kind = ? LIMIT 1", OUTBOX_FLUSH_TIMER).toArray();
    if (existing.length === 0) {
      this.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, ?)", dueAt, OUTBOX_FLUSH_TIMER);
    }
  }

  clearOutboxFlushTimer(): void {
    this.sql.exec("DELETE FROM timers WHERE kind = ?", OUTBOX_FLUSH_TIMER);
  }

  /** Whether unsent messages or unperformed effects (other than the index write, which has its own timer) remain. */
  hasPendingOutboxWork(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0 ||
      this.sql.exec("SELECT 1 FROM effects WHERE kind != 'index_task' LIMIT 1").toArray().length > 0
    );
  }

  pendingOutbox(limit: number): OutboxRow[] {
    return this.sql
      .exec<OutboxRow & Record<string, SqlStorageValue>>(
        "SELECT dispatch_id, step_uuid, attempt FROM outbox ORDER BY created_at, rowid LIMIT ?",
        limit,
      )
      .toArray();
  }

  removeOutbox(rows: OutboxRow[]): void {
    for (const row of rows) {
      this.sql.exec("DELETE FROM outbox WHERE dispatch_id = ? AND attempt = ?", row.dispatch_id, row.attempt);
    }
  }
}
