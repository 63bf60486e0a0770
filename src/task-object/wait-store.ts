// The waits and events tables: which steps sleep or wait for an event, and the events the task received.
import { eventMatches, type MatchValue, type WaitPlan } from "../engine/waits";

/** How long an event that no step waits for yet is kept for one that will (then it is dropped). */
export const EVENT_BUFFER_MS = 7 * 24 * 60 * 60 * 1000;
/** The most events a task keeps for steps not waiting yet; a newer one pushes the oldest out. */
export const MAX_BUFFERED_EVENTS = 100;

export interface WaitRow {
  step_uuid: string;
  dispatch_id: string;
  kind: "sleep" | "event";
  event_name: string | null;
  match: string | null;
  wakes_at: number | null;
  started_at: number;
}

/** What a step's view shows of its wait. */
export type WaitView =
  | { kind: "sleep"; wakes_at: string }
  | { kind: "event"; event: string; match: Record<string, MatchValue>; timeout_at: string | null };

export interface StoredEvent {
  event_id: string;
  name: string;
  payload: unknown;
  consumed_by: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class WaitStore {
  constructor(private readonly sql: SqlStorage) {}

  startWait(stepUuid: string, dispatchId: string, plan: WaitPlan, now: number): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO waits (step_uuid, dispatch_id, kind, event_name, match, wakes_at, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      stepUuid,
      dispatchId,
      plan.kind,
      plan.kind === "event" ? plan.event : null,
      plan.kind === "event" ? JSON.stringify(plan.match) : null,
      plan.kind === "sleep" ? plan.wakeAt : plan.timeoutAt,
      now,
    );
  }

  /** Ends a step's wait; returns it, or null when the step was not waiting. */
  endWait(stepUuid: string): WaitRow | null {
    const row = this.sql
      .exec<WaitRow & Record<string, SqlStorageValue>>("SELECT * FROM waits WHERE step_uuid = ?", stepUuid)
      .toArray()[0];
    if (!row) return null;
    this.sql.exec("DELETE FROM waits WHERE step_uuid = ?", stepUuid);
    return row;
  }

  /** Every wait (the task closed): returned, then gone. */
  endAllWaits(): WaitRow[] {
    const rows = this.sql.exec<WaitRow & Record<string, SqlStorageValue>>("SELECT * FROM waits").toArray();
    this.sql.exec("DELETE FROM waits");
    return rows;
  }

  /** The waits of some steps, as their views show them. */
  viewsOf(stepUuids: readonly string[]): Map<string, WaitView> {
    const views = new Map<string, WaitView>();
    if (stepUuids.length === 0) return views;
    for (const row of this.sql.exec<WaitRow & Record<string, SqlStorageValue>>(
      "SELECT * FROM waits WHERE step_uuid IN (SELECT value FROM json_each(?))",
      JSON.stringify(stepUuids),
    )) {
      views.set(
        row.step_uuid,
        row.kind === "sleep"
          ? { kind: "sleep", wakes_at: iso(row.wakes_at ?? row.started_at) }
          : {
              kind: "event",
              event: row.event_name ?? "",
              match: JSON.parse(row.match ?? "{}") as Record<string, MatchValue>,
              timeout_at: row.wakes_at === null ? null : iso(row.wakes_at),
            },
      );
    }
    return views;
  }

  /** The longest-waiting step that waits for this event and whose match the payload meets. */
  waitingStepFor(name: string, payload: unknown): WaitRow | null {
    for (const row of this.sql.exec<WaitRow & Record<string, SqlStorageValue>>(
      "SELECT * FROM waits WHERE event_name = ? ORDER BY started_at, step_uuid",
      name,
    )) {
      if (eventMatches(JSON.parse(row.match ?? "{}") as Record<string, MatchValue>, payload)) return row;
    }
    return null;
  }

  /** The oldest event received before its step waited, still kept, that a wait for `name` with this match takes. */
  bufferedEventFor(name: string, match: Record<string, MatchValue>, now: number): StoredEvent | null {
    for (const row of this.sql.exec<{ event_id: string; name: string; payload: string }>(
      "SELECT event_id, name, payload FROM events WHERE consumed_by IS NULL AND name = ? AND received_at > ? ORDER BY received_at, event_id",
      name,
      now - EVENT_BUFFER_MS,
    )) {
      const payload = JSON.parse(row.payload) as unknown;
      if (eventMatches(match, payload)) return { event_id: row.event_id, name: row.name, payload, consumed_by: null };
    }
    return null;
  }

  event(eventId: string): StoredEvent | null {
    const row = this.sql
      .exec<{ event_id: string; name: string; payload: string; consumed_by: string | null }>(
        "SELECT event_id, name, payload, consumed_by FROM events WHERE event_id = ?",
        eventId,
      )
      .toArray()[0];
    return row ? { ...row, payload: JSON.parse(row.payload) as unknown } : null;
  }

  /** Records an event: taken by a step now, or kept for one (the buffer then drops what is too old or too many). */
  recordEvent(
    event: { eventId: string; name: string; payload: unknown; sentBy: string | null },
    consumedBy: string | null,
    now: number,
  ): void {
    this.sql.exec(
      "INSERT INTO events (event_id, name, payload, sent_by, received_at, consumed_by, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      event.eventId,
      event.name,
      JSON.stringify(event.payload ?? null),
      event.sentBy,
      now,
      consumedBy,
      consumedBy === null ? null : now,
    );
    if (consumedBy === null) this.pruneBuffer(now);
  }

  markConsumed(eventId: string, stepUuid: string, now: number): void {
    this.sql.exec("UPDATE events SET consumed_by = ?, consumed_at = ? WHERE event_id = ?", stepUuid, now, eventId);
  }

  /** Drops kept events past their time, then the oldest beyond the count. Taken events stay: they guard against duplicates. */
  private pruneBuffer(now: number): void {
    this.sql.exec("DELETE FROM events WHERE consumed_by IS NULL AND received_at <= ?", now - EVENT_BUFFER_MS);
    this.sql.exec(
      `DELETE FROM events WHERE consumed_by IS NULL AND event_id NOT IN (
         SELECT event_id FROM events WHERE consumed_by IS NULL ORDER BY received_at DESC, event_id DESC LIMIT ?)`,
      MAX_BUFFERED_EVENTS,
    );
  }
}
