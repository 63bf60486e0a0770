// The schedule index (D1): one row per schedule, written by its object, so listing schedules never visits every object.
import { ensureCatalog } from "./schema";

/** A schedule's row as its object writes it; times in ms since the epoch. */
export interface ScheduleIndexEntry {
  schedule_id: string;
  namespace: string;
  name: string;
  template_name: string;
  template_version: string | null;
  source: "template" | "api";
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
  overlap: string;
  paused: boolean;
  next_fire_at: number | null;
  last_fire_at: number | null;
  last_task_uuid: string | null;
  created_at: number;
  updated_at: number;
  /** Grows with every change of the object: an older write arriving late changes nothing. */
  revision: number;
}

const COLUMNS = [
  "schedule_id",
  "namespace",
  "name",
  "template_name",
  "template_version",
  "source",
  "cron",
  "interval_seconds",
  "timezone",
  "overlap",
  "paused",
  "next_fire_at",
  "last_fire_at",
  "last_task_uuid",
  "created_at",
  "updated_at",
  "revision",
] as const;

const UPSERT = `INSERT INTO schedule_index (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (schedule_id) DO UPDATE SET
    ${COLUMNS.filter((c) => c !== "schedule_id")
      .map((c) => `${c} = excluded.${c}`)
      .join(", ")}
  WHERE excluded.revision >= schedule_index.revision`;

export async function writeScheduleIndex(db: D1Database, entry: ScheduleIndexEntry): Promise<void> {
  await ensureCatalog(db);
  const values = COLUMNS.map((column) => (column === "paused" ? (entry.paused ? 1 : 0) : entry[column]));
  await db
    .prepare(UPSERT)
    .bind(...values)
    .run();
}

export async function removeScheduleIndex(db: D1Database, scheduleId: string): Promise<void> {
  await ensureCatalog(db);
  await db.prepare("DELETE FROM schedule_index WHERE schedule_id = ?").bind(scheduleId).run();
}

type Row = Omit<ScheduleIndexEntry, "paused"> & { paused: number };
const fromRow = (row: Row): ScheduleIndexEntry => ({ ...row, paused: row.paused === 1 });

export interface ScheduleIndexFilters {
  namespace?: string | undefined;
  template_name?: string | undefined;
  source?: "template" | "api" | undefined;
  paused?: boolean | undefined;
}

/** One page of schedules in id order, and how many match; `namespaces` limits a scoped caller (null: every namespace). */
export async function queryScheduleIndex(
  db: D1Database,
  filters: ScheduleIndexFilters,
  page: { offset: number; limit: number },
  namespaces: readonly string[] | null,
): Promise<{ schedules: ScheduleIndexEntry[]; total: number }> {
  await ensureCatalog(db);
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  for (const key of ["namespace", "template_name", "source"] as const) {
    const value = filters[key];
    if (value === undefined) continue;
    conditions.push(`${key} = ?`);
    params.push(value);
  }
  if (filters.paused !== undefined) {
    conditions.push("paused = ?");
    params.push(filters.paused ? 1 : 0);
  }
  if (namespaces !== null) {
    conditions.push("namespace IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(namespaces));
  }
  const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
  const [rows, count] = await db.batch<Row | { n: number }>([
    db
      .prepare(`SELECT ${COLUMNS.join(", ")} FROM schedule_index ${where} ORDER BY schedule_id LIMIT ? OFFSET ?`)
      .bind(...params, page.limit, page.offset),
    db.prepare(`SELECT COUNT(*) AS n FROM schedule_index ${where}`).bind(...params),
  ]);
  return {
    schedules: ((rows?.results ?? []) as Row[]).map(fromRow),
    total: (count?.results[0] as { n: number } | undefined)?.n ?? 0,
  };
}

/** The ids of the template-declared schedules of every template, or of one (namespace, name). */
export async function templateScheduleIds(
  db: D1Database,
  template?: { namespace: string; name: string },
): Promise<{ schedule_id: string; namespace: string; template_name: string }[]> {
  await ensureCatalog(db);
  const statement =
    template === undefined
      ? db.prepare("SELECT schedule_id, namespace, template_name FROM schedule_index WHERE source = 'template'")
      : db
          .prepare(
            "SELECT schedule_id, namespace, template_name FROM schedule_index WHERE source = 'template' AND namespace = ? AND template_name = ?",
          )
          .bind(template.namespace, template.name);
  return (await statement.all<{ schedule_id: string; namespace: string; template_name: string }>()).results;
}

/** The fingerprint of the template-declared schedules last reconciled, or null. */
export async function lastReconciliation(db: D1Database): Promise<string | null> {
  await ensureCatalog(db);
  const row = await db.prepare("SELECT fingerprint FROM schedule_reconciliations WHERE id = 1").first<{ fingerprint: string }>();
  return row?.fingerprint ?? null;
}

export async function recordReconciliation(db: D1Database, fingerprint: string, now: number): Promise<void> {
  await ensureCatalog(db);
  await db
    .prepare(
      "INSERT INTO schedule_reconciliations (id, fingerprint, at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, at = excluded.at",
    )
    .bind(fingerprint, now)
    .run();
}
