// The task index (D1): one row per task, written by the task's object on status changes, read by `GET /v1/tasks`.
import type { z } from "zod";
import type { TaskSummarySchema } from "../contract/responses";
import type { TaskState } from "../engine/states";
import { ensureCatalog } from "./schema";

/** What a task's object writes: its summary and a revision that only grows, so a late write never undoes a newer one. */
export interface TaskIndexEntry {
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  status: TaskState;
  initiator: string;
  source_system: string;
  reason: string;
  priority: number;
  tags: string[];
  correlation_id: string;
  parent_correlation_id: string | null;
  total_steps: number;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  revision: number;
}

/** A task as `GET /v1/tasks` lists it: the summary fields of the task view, with ISO times. */
export type TaskSummary = z.output<typeof TaskSummarySchema>;

export interface TaskIndexFilters {
  namespace?: string | undefined;
  name?: string | undefined;
  version?: string | undefined;
  status?: TaskState | undefined;
  initiator?: string | undefined;
  source_system?: string | undefined;
  correlation_id?: string | undefined;
  /** Epoch ms, inclusive. */
  created_after?: number | undefined;
  /** Epoch ms, exclusive. */
  created_before?: number | undefined;
}

const COLUMNS = [
  "task_uuid",
  "namespace",
  "name",
  "version",
  "status",
  "initiator",
  "source_system",
  "reason",
  "priority",
  "tags",
  "correlation_id",
  "parent_correlation_id",
  "total_steps",
  "created_at",
  "updated_at",
  "completed_at",
  "revision",
] as const;

// A write for a task created before a purge of the same uuid is late: the purge removed its row for good.
const UPSERT = `INSERT INTO task_index (${COLUMNS.join(", ")}) SELECT ${COLUMNS.map(() => "?").join(", ")}
  WHERE NOT EXISTS (SELECT 1 FROM task_tombstones WHERE task_uuid = ? AND purged_at >= ?)
  ON CONFLICT (task_uuid) DO UPDATE SET
    ${COLUMNS.filter((c) => c !== "task_uuid")
      .map((c) => `${c} = excluded.${c}`)
      .join(", ")}
  WHERE excluded.revision >= task_index.revision`;

/** Upserts a task's row; a write carrying an older revision than the stored one changes nothing. */
export async function writeTaskIndex(db: D1Database, entry: TaskIndexEntry): Promise<void> {
  await ensureCatalog(db);
  const values = COLUMNS.map((column) => (column === "tags" ? JSON.stringify(entry.tags) : entry[column]));
  await db
    .prepare(UPSERT)
    .bind(...values, entry.task_uuid, entry.created_at)
    .run();
}

/** What is kept of a purged task: enough to answer `task_purged` to a caller allowed to see it. */
export interface TaskTombstone {
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  status: TaskState;
  completed_at: number | null;
  purged_at: number;
}

/** Removes a purged task's index row and records its tombstone, together (one D1 transaction). Repeats are harmless. */
export async function purgeTaskIndex(db: D1Database, tombstone: TaskTombstone): Promise<void> {
  await ensureCatalog(db);
  await db.batch([
    db.prepare("DELETE FROM task_index WHERE task_uuid = ?").bind(tombstone.task_uuid),
    db
      .prepare(
        `INSERT OR REPLACE INTO task_tombstones (task_uuid, namespace, name, version, status, completed_at, purged_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        tombstone.task_uuid,
        tombstone.namespace,
        tombstone.name,
        tombstone.version,
        tombstone.status,
        tombstone.completed_at,
        tombstone.purged_at,
      ),
  ]);
}

/** The tombstone of a purged task, or null. */
export async function findTombstone(db: D1Database, taskUuid: string): Promise<TaskTombstone | null> {
  await ensureCatalog(db);
  return (
    (await db
      .prepare(
        "SELECT task_uuid, namespace, name, version, status, completed_at, purged_at FROM task_tombstones WHERE task_uuid = ?",
      )
      .bind(taskUuid)
      .first<TaskTombstone>()) ?? null
  );
}

type Row = Omit<TaskIndexEntry, "tags"> & { tags: string };

const iso = (ms: number) => new Date(ms).toISOString();

function summaryOf(row: Row): TaskSummary {
  return {
    task_uuid: row.task_uuid,
    name: row.name,
    namespace: row.namespace,
    version: row.version,
    status: row.status,
    initiator: row.initiator,
    source_system: row.source_system,
    reason: row.reason,
    priority: row.priority,
    tags: JSON.parse(row.tags) as string[],
    correlation_id: row.correlation_id,
    parent_correlation_id: row.parent_correlation_id,
    total_steps: row.total_steps,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    completed_at: row.completed_at === null ? null : iso(row.completed_at),
  };
}

const EQUALITY_FILTERS = ["namespace", "name", "version", "status", "initiator", "source_system", "correlation_id"] as const;

/** The WHERE clause of the filters and the namespace scope, with its bound parameters. */
function whereOf(
  filters: TaskIndexFilters,
  namespaces: readonly string[] | null,
): { where: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  for (const key of EQUALITY_FILTERS) {
    const value = filters[key];
    if (value === undefined) continue;
    conditions.push(`${key} = ?`);
    params.push(value);
  }
  if (filters.created_after !== undefined) {
    conditions.push("created_at >= ?");
    params.push(filters.created_after);
  }
  if (filters.created_before !== undefined) {
    conditions.push("created_at < ?");
    params.push(filters.created_before);
  }
  if (namespaces !== null) {
    conditions.push("namespace IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(namespaces));
  }
  return { where: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}

/** A place in the index's newest-first order: tasks sort by `(created_at, task_uuid)`, descending. */
export interface IndexKey {
  created_at: number;
  task_uuid: string;
}

/**
 * What a bulk job will act on: how many tasks match now, the newest of them (the job's upper bound:
 * a task created later is never swept in), and a few of their uuids.
 */
export async function matchTaskIndex(
  db: D1Database,
  filters: TaskIndexFilters,
  namespaces: readonly string[] | null,
  sampleSize: number,
): Promise<{ matched: number; newest: IndexKey | null; sample: string[] }> {
  await ensureCatalog(db);
  const { where, params } = whereOf(filters, namespaces);
  const [rows, count] = await db.batch<IndexKey | { n: number }>([
    db
      .prepare(`SELECT created_at, task_uuid FROM task_index ${where} ORDER BY created_at DESC, task_uuid DESC LIMIT ?`)
      .bind(...params, Math.max(1, sampleSize)),
    db.prepare(`SELECT COUNT(*) AS n FROM task_index ${where}`).bind(...params),
  ]);
  const keys = (rows?.results ?? []) as IndexKey[];
  return {
    matched: (count?.results[0] as { n: number } | undefined)?.n ?? 0,
    newest: keys[0] ?? null,
    sample: keys.slice(0, sampleSize).map((k) => k.task_uuid),
  };
}

/**
 * The next page of a bulk job's tasks by keyset: matching tasks at or below `upTo` (the newest match
 * when the job started) and strictly below `after` (the last task of the previous page), newest first.
 */
export async function pageTaskIndex(
  db: D1Database,
  filters: TaskIndexFilters,
  namespaces: readonly string[] | null,
  upTo: IndexKey,
  after: IndexKey | null,
  limit: number,
): Promise<(IndexKey & { namespace: string })[]> {
  await ensureCatalog(db);
  const { where, params } = whereOf(filters, namespaces);
  const bounds = ["(created_at, task_uuid) <= (?, ?)"];
  const boundParams: (string | number)[] = [upTo.created_at, upTo.task_uuid];
  if (after !== null) {
    bounds.push("(created_at, task_uuid) < (?, ?)");
    boundParams.push(after.created_at, after.task_uuid);
  }
  const clause = where === "" ? `WHERE ${bounds.join(" AND ")}` : `${where} AND ${bounds.join(" AND ")}`;
  const rows = await db
    .prepare(`SELECT created_at, task_uuid, namespace FROM task_index ${clause} ORDER BY created_at DESC, task_uuid DESC LIMIT ?`)
    .bind(...params, ...boundParams, limit)
    .all<IndexKey & { namespace: string }>();
  return rows.results;
}

/**
 * One page of matching tasks, newest first, and how many match in all. `namespaces` limits a
 * namespace-scoped caller to its own (null: every namespace); it is bound as one JSON parameter so
 * a long scope list never meets D1's limit on bound parameters.
 */
export async function queryTaskIndex(
  db: D1Database,
  filters: TaskIndexFilters,
  page: { offset: number; limit: number },
  namespaces: readonly string[] | null,
): Promise<{ tasks: TaskSummary[]; total: number }> {
  await ensureCatalog(db);
  const { where, params } = whereOf(filters, namespaces);
  const [rows, count] = await db.batch<Row | { n: number }>([
    db
      .prepare(`SELECT ${COLUMNS.join(", ")} FROM task_index ${where} ORDER BY created_at DESC, task_uuid DESC LIMIT ? OFFSET ?`)
      .bind(...params, page.limit, page.offset),
    db.prepare(`SELECT COUNT(*) AS n FROM task_index ${where}`).bind(...params),
  ]);
  return {
    tasks: ((rows?.results ?? []) as Row[]).map(summaryOf),
    total: (count?.results[0] as { n: number } | undefined)?.n ?? 0,
  };
}
