// The catalog database (D1): its numbered migrations, applied in code the first time an isolate uses it.

export interface CatalogMigration {
  version: number;
  description: string;
  statements: string[];
}

/**
 * Every migration is written so that running it twice is harmless (`IF NOT EXISTS`): two isolates
 * starting at once may both apply it before either records it, and that must not fail.
 */
export const CATALOG_MIGRATIONS: readonly CatalogMigration[] = [
  {
    version: 1,
    description: "registered templates and the task index",
    statements: [
      `CREATE TABLE IF NOT EXISTS templates (
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        template TEXT NOT NULL,
        source TEXT NOT NULL,
        source_format TEXT NOT NULL,
        description TEXT,
        step_count INTEGER NOT NULL,
        registered_by TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, name, version)
      )`,
      `CREATE TABLE IF NOT EXISTS task_index (
        task_uuid TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        status TEXT NOT NULL,
        initiator TEXT NOT NULL,
        source_system TEXT NOT NULL,
        reason TEXT NOT NULL,
        priority INTEGER NOT NULL,
        tags TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        parent_correlation_id TEXT,
        total_steps INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        completed_at INTEGER,
        revision INTEGER NOT NULL
      )`,
      // Newest first is the only order; each filter column leads an index that ends in created_at.
      "CREATE INDEX IF NOT EXISTS task_index_by_created ON task_index (created_at, task_uuid)",
      "CREATE INDEX IF NOT EXISTS task_index_by_template ON task_index (namespace, name, created_at)",
      "CREATE INDEX IF NOT EXISTS task_index_by_status ON task_index (status, created_at)",
      "CREATE INDEX IF NOT EXISTS task_index_by_initiator ON task_index (initiator, created_at)",
      "CREATE INDEX IF NOT EXISTS task_index_by_source ON task_index (source_system, created_at)",
      "CREATE INDEX IF NOT EXISTS task_index_by_correlation ON task_index (correlation_id)",
    ],
  },
  {
    version: 2,
    description: "the event index: steps waiting for an event, by event name and match key",
    statements: [
      // One row per waiting step, written by its task's object through its effects outbox.
      `CREATE TABLE IF NOT EXISTS event_waits (
        event_name TEXT NOT NULL,
        match_fields TEXT NOT NULL,
        match_key TEXT NOT NULL,
        task_uuid TEXT NOT NULL,
        step_uuid TEXT NOT NULL,
        namespace TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (event_name, match_fields, match_key, task_uuid, step_uuid)
      ) WITHOUT ROWID`,
      "CREATE INDEX IF NOT EXISTS event_waits_by_step ON event_waits (task_uuid, step_uuid)",
      // The sets of match fields steps ever waited on per event name: a handful, never deleted.
      `CREATE TABLE IF NOT EXISTS event_wait_shapes (
        event_name TEXT NOT NULL,
        match_fields TEXT NOT NULL,
        PRIMARY KEY (event_name, match_fields)
      ) WITHOUT ROWID`,
    ],
  },
  {
    // Version 2 is left to other work; versions only need to increase.
    version: 3,
    description: "tombstones of tasks purged after their retention, so reading one answers task_purged",
    statements: [
      `CREATE TABLE IF NOT EXISTS task_tombstones (
        task_uuid TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        status TEXT NOT NULL,
        completed_at INTEGER,
        purged_at INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 4,
    description: "the schedule index, and the fingerprint of the last reconciliation of template-declared schedules",
    statements: [
      `CREATE TABLE IF NOT EXISTS schedule_index (
        schedule_id TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        template_name TEXT NOT NULL,
        template_version TEXT,
        source TEXT NOT NULL,
        cron TEXT,
        interval_seconds INTEGER,
        timezone TEXT NOT NULL,
        overlap TEXT NOT NULL,
        paused INTEGER NOT NULL,
        next_fire_at INTEGER,
        last_fire_at INTEGER,
        last_task_uuid TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        revision INTEGER NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS schedule_index_by_namespace ON schedule_index (namespace, schedule_id)",
      "CREATE INDEX IF NOT EXISTS schedule_index_by_template ON schedule_index (namespace, template_name, source)",
      "CREATE TABLE IF NOT EXISTS schedule_reconciliations (id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, at INTEGER NOT NULL)",
    ],
  },
  {
    version: 5,
    description: "the listing of bulk jobs",
    statements: [
      // One row per job, written by the job's object as it goes; the object holds the authoritative state.
      `CREATE TABLE IF NOT EXISTS bulk_jobs (
        job_id TEXT PRIMARY KEY,
        summary TEXT NOT NULL,
        namespaces TEXT,
        created_at INTEGER NOT NULL,
        revision INTEGER NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS bulk_jobs_by_created ON bulk_jobs (created_at, job_id)",
    ],
  },
];

const LEDGER = "tasker_migrations";

/** Applies every migration the database lacks, each with its ledger row in one batch (a D1 transaction). */
export async function migrateCatalog(db: D1Database, now = Date.now()): Promise<number> {
  const [, current] = await db.batch<{ v: number | null }>([
    db.prepare(
      `CREATE TABLE IF NOT EXISTS ${LEDGER} (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    ),
    db.prepare(`SELECT MAX(version) AS v FROM ${LEDGER}`),
  ]);
  let applied = current?.results[0]?.v ?? 0;
  for (const migration of CATALOG_MIGRATIONS) {
    if (migration.version <= applied) continue;
    await db.batch([
      ...migration.statements.map((sql) => db.prepare(sql)),
      db
        .prepare(`INSERT OR IGNORE INTO ${LEDGER} (version, description, applied_at) VALUES (?, ?, ?)`)
        .bind(migration.version, migration.description, now),
    ]);
    applied = migration.version;
  }
  return applied;
}

const ready = new WeakMap<D1Database, Promise<void>>();

/**
 * Resolves once the catalog's schema is current. The check runs once per isolate and binding (one
 * round trip); a failure is not cached, so the next caller tries again.
 */
export function ensureCatalog(db: D1Database): Promise<void> {
  let pending = ready.get(db);
  if (!pending) {
    pending = migrateCatalog(db).then(() => undefined);
    ready.set(db, pending);
    pending.catch(() => ready.delete(db));
  }
  return pending;
}
