// The event index (D1): which tasks have a step waiting for an event, keyed by event name and match key, for `POST /v1/events`.
import { payloadKey } from "../engine/waits";
import { ensureCatalog } from "./schema";

/** A waiting step's row, as its task's object writes it. */
export interface EventWaitEntry {
  event_name: string;
  /** JSON array of the match's field names, sorted (engine/waits.ts `matchKey`). */
  match_fields: string;
  /** JSON array of their values, in that order. */
  match_key: string;
  task_uuid: string;
  step_uuid: string;
  namespace: string;
  created_at: number;
}

/** The most tasks one broadcast event is routed to; more matches are reported as truncated. */
export const MAX_EVENT_TARGETS = 500;

export async function indexEventWait(db: D1Database, entry: EventWaitEntry): Promise<void> {
  await ensureCatalog(db);
  await db.batch([
    db
      .prepare("INSERT OR IGNORE INTO event_wait_shapes (event_name, match_fields) VALUES (?, ?)")
      .bind(entry.event_name, entry.match_fields),
    db
      .prepare(
        `INSERT OR REPLACE INTO event_waits (event_name, match_fields, match_key, task_uuid, step_uuid, namespace, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        entry.event_name,
        entry.match_fields,
        entry.match_key,
        entry.task_uuid,
        entry.step_uuid,
        entry.namespace,
        entry.created_at,
      ),
  ]);
}

export async function unindexEventWait(db: D1Database, taskUuid: string, stepUuid: string): Promise<void> {
  await ensureCatalog(db);
  await db.prepare("DELETE FROM event_waits WHERE task_uuid = ? AND step_uuid = ?").bind(taskUuid, stepUuid).run();
}

/**
 * The tasks with a step waiting for this event whose match the payload meets: one read of the
 * (few) field sets steps wait on for this name, then one indexed lookup per set. `namespaces`
 * limits a scoped caller to its own; tasks elsewhere are never returned, so never revealed.
 */
export async function tasksWaitingFor(
  db: D1Database,
  name: string,
  payload: unknown,
  namespaces: readonly string[] | null,
): Promise<{ tasks: string[]; truncated: boolean }> {
  await ensureCatalog(db);
  const shapes = await db
    .prepare("SELECT match_fields FROM event_wait_shapes WHERE event_name = ?")
    .bind(name)
    .all<{ match_fields: string }>();
  const lookups = shapes.results.flatMap((shape) => {
    const key = payloadKey(shape.match_fields, payload);
    return key === null ? [] : [{ fields: shape.match_fields, key }];
  });
  if (lookups.length === 0) return { tasks: [], truncated: false };
  const scope = namespaces === null ? "" : " AND namespace IN (SELECT value FROM json_each(?))";
  const results = await db.batch<{ task_uuid: string }>(
    lookups.map(({ fields, key }) =>
      db
        .prepare(
          `SELECT DISTINCT task_uuid FROM event_waits WHERE event_name = ? AND match_fields = ? AND match_key = ?${scope} LIMIT ?`,
        )
        .bind(name, fields, key, ...(namespaces === null ? [] : [JSON.stringify(namespaces)]), MAX_EVENT_TARGETS + 1),
    ),
  );
  const tasks = new Set<string>();
  for (const result of results) for (const row of result.results) tasks.add(row.task_uuid);
  const all = [...tasks];
  return { tasks: all.slice(0, MAX_EVENT_TARGETS), truncated: all.length > MAX_EVENT_TARGETS };
}

/**
 * The unfinished tasks with this correlation id, from the task index: an event routed by
 * correlation id reaches them whether or not a step waits yet (a task not waiting keeps it).
 */
export async function tasksCorrelatedWith(
  db: D1Database,
  correlationId: string,
  namespaces: readonly string[] | null,
): Promise<{ tasks: string[]; truncated: boolean }> {
  await ensureCatalog(db);
  const scope = namespaces === null ? "" : " AND namespace IN (SELECT value FROM json_each(?))";
  const rows = await db
    .prepare(
      `SELECT task_uuid FROM task_index WHERE correlation_id = ?
         AND status NOT IN ('complete', 'error', 'cancelled', 'resolved_manually')${scope} LIMIT ?`,
    )
    .bind(correlationId, ...(namespaces === null ? [] : [JSON.stringify(namespaces)]), MAX_EVENT_TARGETS + 1)
    .all<{ task_uuid: string }>();
  const tasks = rows.results.map((row) => row.task_uuid);
  return { tasks: tasks.slice(0, MAX_EVENT_TARGETS), truncated: tasks.length > MAX_EVENT_TARGETS };
}
