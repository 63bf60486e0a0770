// Numbered schema migrations of a task object's SQLite database, applied once, in order.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "task, steps, edges, transition logs, timers, outbox",
    sql: `
      CREATE TABLE task (
        task_uuid TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        state TEXT NOT NULL,
        context TEXT NOT NULL,
        template TEXT NOT NULL,
        initiator TEXT NOT NULL,
        source_system TEXT NOT NULL,
        reason TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '[]',
        correlation_id TEXT NOT NULL,
        parent_correlation_id TEXT,
        queue_binding TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        completed_at INTEGER
      );
      CREATE TABLE steps (
        step_uuid TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        position INTEGER NOT NULL,
        type TEXT NOT NULL,
        definition TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        remaining_parents INTEGER NOT NULL,
        dispatch_id TEXT,
        next_retry_at INTEGER,
        results TEXT,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_attempted_at INTEGER,
        completed_at INTEGER
      );
      CREATE TABLE edges (
        parent_uuid TEXT NOT NULL,
        child_uuid TEXT NOT NULL,
        PRIMARY KEY (parent_uuid, child_uuid)
      ) WITHOUT ROWID;
      CREATE INDEX edges_by_child ON edges (child_uuid, parent_uuid);
      CREATE TABLE task_transitions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        from_state TEXT,
        to_state TEXT NOT NULL,
        event TEXT NOT NULL,
        metadata TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
      );
      CREATE TABLE step_transitions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        step_uuid TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        event TEXT NOT NULL,
        metadata TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
      );
      CREATE INDEX step_transitions_by_step ON step_transitions (step_uuid, id);
      CREATE TABLE timers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        due_at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        step_uuid TEXT,
        dispatch_id TEXT
      );
      CREATE INDEX timers_by_due ON timers (due_at);
      CREATE INDEX timers_by_step ON timers (step_uuid);
      CREATE TABLE outbox (
        dispatch_id TEXT NOT NULL,
        step_uuid TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (dispatch_id, attempt)
      );
    `,
  },
  {
    // Version 2 is left to the task index's outbox work; versions only need to increase.
    version: 3,
    description: "dynamic steps (batch inputs), sub-workflow links, and the effects outbox",
    sql: `
      ALTER TABLE steps ADD COLUMN inputs TEXT;
      ALTER TABLE steps ADD COLUMN child_task_uuid TEXT;
      ALTER TABLE task ADD COLUMN parent_task_uuid TEXT;
      ALTER TABLE task ADD COLUMN parent_step_uuid TEXT;
      ALTER TABLE task ADD COLUMN parent_step_name TEXT;
      ALTER TABLE task ADD COLUMN parent_dispatch_id TEXT;
      ALTER TABLE task ADD COLUMN lineage TEXT NOT NULL DEFAULT '[]';
      CREATE INDEX steps_with_child_task ON steps (position) WHERE child_task_uuid IS NOT NULL;
      CREATE TABLE effects (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: "who created the task, and the namespaces it and its child tasks may reach (NULL: every one)",
    sql: `
      ALTER TABLE task ADD COLUMN created_by TEXT;
      ALTER TABLE task ADD COLUMN namespace_scope TEXT;
    `,
  },
  {
    version: 5,
    description: "sleeping and event-waiting steps, and the events the task received (buffer and duplicate guard)",
    sql: `
      CREATE TABLE waits (
        step_uuid TEXT PRIMARY KEY,
        dispatch_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        event_name TEXT,
        match TEXT,
        wakes_at INTEGER,
        started_at INTEGER NOT NULL
      );
      CREATE INDEX waits_by_event ON waits (event_name, started_at) WHERE event_name IS NOT NULL;
      CREATE TABLE events (
        event_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        sent_by TEXT,
        received_at INTEGER NOT NULL,
        consumed_by TEXT,
        consumed_at INTEGER
      );
      CREATE INDEX events_buffered ON events (name, received_at) WHERE consumed_by IS NULL;
    `,
  },
  {
    version: 6,
    description: "the pause flag (who, when, why), the retention a finished task's purge was armed with, and the purge marker",
    sql: `
      ALTER TABLE task ADD COLUMN paused_at INTEGER;
      ALTER TABLE task ADD COLUMN pause TEXT;
      ALTER TABLE task ADD COLUMN purged_at INTEGER;
      ALTER TABLE task ADD COLUMN retention TEXT;
    `,
  },
  {
    version: 7,
    description: "completion webhooks: the task's endpoints (secret names only), their deliveries and every attempt",
    sql: `
      ALTER TABLE task ADD COLUMN webhooks TEXT NOT NULL DEFAULT '[]';
      CREATE TABLE webhook_deliveries (
        delivery_id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        url TEXT NOT NULL,
        secret_name TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        next_attempt_at INTEGER,
        finished_at INTEGER
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE TABLE webhook_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER,
        status_code INTEGER,
        error TEXT,
        outcome TEXT NOT NULL
      );
      CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempt);
    `,
  },
];

/**
 * The schema every migration above leads to, as one script: a brand-new object runs this instead of
 * each migration in turn (one statement instead of two per migration, in the transaction that
 * creates its task), then any migration numbered after it. Columns are in the order the migrations
 * add them, so a fresh object and a migrated one are the same database; a test compares them.
 * A new migration goes in MIGRATIONS only: fresh objects apply it after this script until this
 * script is brought up to it (its version then moves to the new one).
 */
export const FRESH_SCHEMA: Migration = {
  version: 7,
  description: "the whole schema of version 7, for an object that has none",
  sql: `
    CREATE TABLE task (
      task_uuid TEXT PRIMARY KEY,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      version TEXT NOT NULL,
      state TEXT NOT NULL,
      context TEXT NOT NULL,
      template TEXT NOT NULL,
      initiator TEXT NOT NULL,
      source_system TEXT NOT NULL,
      reason TEXT NOT NULL,
      priority INTEGER NOT NULL DEFAULT 0,
      tags TEXT NOT NULL DEFAULT '[]',
      correlation_id TEXT NOT NULL,
      parent_correlation_id TEXT,
      queue_binding TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      completed_at INTEGER,
      parent_task_uuid TEXT,
      parent_step_uuid TEXT,
      parent_step_name TEXT,
      parent_dispatch_id TEXT,
      lineage TEXT NOT NULL DEFAULT '[]',
      created_by TEXT,
      namespace_scope TEXT,
      paused_at INTEGER,
      pause TEXT,
      purged_at INTEGER,
      retention TEXT,
      webhooks TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE steps (
      step_uuid TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      position INTEGER NOT NULL,
      type TEXT NOT NULL,
      definition TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      remaining_parents INTEGER NOT NULL,
      dispatch_id TEXT,
      next_retry_at INTEGER,
      results TEXT,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_attempted_at INTEGER,
      completed_at INTEGER,
      inputs TEXT,
      child_task_uuid TEXT
    );
    CREATE TABLE edges (
      parent_uuid TEXT NOT NULL,
      child_uuid TEXT NOT NULL,
      PRIMARY KEY (parent_uuid, child_uuid)
    ) WITHOUT ROWID;
    CREATE INDEX edges_by_child ON edges (child_uuid, parent_uuid);
    CREATE TABLE task_transitions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      from_state TEXT,
      to_state TEXT NOT NULL,
      event TEXT NOT NULL,
      metadata TEXT NOT NULL,
      recorded_at INTEGER NOT NULL
    );
    CREATE TABLE step_transitions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      step_uuid TEXT NOT NULL,
      from_state TEXT,
      to_state TEXT NOT NULL,
      event TEXT NOT NULL,
      metadata TEXT NOT NULL,
      recorded_at INTEGER NOT NULL
    );
    CREATE INDEX step_transitions_by_step ON step_transitions (step_uuid, id);
    CREATE TABLE timers (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      due_at INTEGER NOT NULL,
      kind TEXT NOT NULL,
      step_uuid TEXT,
      dispatch_id TEXT
    );
    CREATE INDEX timers_by_due ON timers (due_at);
    CREATE INDEX timers_by_step ON timers (step_uuid);
    CREATE TABLE outbox (
      dispatch_id TEXT NOT NULL,
      step_uuid TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (dispatch_id, attempt)
    );
    CREATE INDEX steps_with_child_task ON steps (position) WHERE child_task_uuid IS NOT NULL;
    CREATE TABLE effects (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE waits (
      step_uuid TEXT PRIMARY KEY,
      dispatch_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      event_name TEXT,
      match TEXT,
      wakes_at INTEGER,
      started_at INTEGER NOT NULL
    );
    CREATE INDEX waits_by_event ON waits (event_name, started_at) WHERE event_name IS NOT NULL;
    CREATE TABLE events (
      event_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      payload TEXT NOT NULL,
      sent_by TEXT,
      received_at INTEGER NOT NULL,
      consumed_by TEXT,
      consumed_at INTEGER
    );
    CREATE INDEX events_buffered ON events (name, received_at) WHERE consumed_by IS NULL;
    CREATE TABLE webhook_deliveries (
      delivery_id TEXT PRIMARY KEY,
      event TEXT NOT NULL,
      url TEXT NOT NULL,
      secret_name TEXT NOT NULL,
      body TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      next_attempt_at INTEGER,
      finished_at INTEGER
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE TABLE webhook_attempts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      delivery_id TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      started_at INTEGER NOT NULL,
      duration_ms INTEGER,
      status_code INTEGER,
      error TEXT,
      outcome TEXT NOT NULL
    );
    CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempt);
  `,
};

/** The table that records applied migrations (SQLite DOs reject `PRAGMA user_version`). */
const LEDGER = "_migrations";
const CREATE_LEDGER = `CREATE TABLE ${LEDGER} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`;

export function isInitialised(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", LEDGER).toArray().length > 0;
}

/**
 * Brings the schema up to the last migration. Call inside a transaction. An object with no schema
 * gets FRESH_SCHEMA, its ledger and its version in one statement, then any later migration; one
 * with a schema gets every migration newer than its ledger's last entry, one by one.
 */
export function migrate(sql: SqlStorage, now: number): void {
  let applied: number;
  if (isInitialised(sql)) {
    applied = sql.exec<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${LEDGER}`).one().v ?? 0;
  } else {
    // Several statements in one call: the bindings go to the last one, the ledger's row.
    sql.exec(
      `${CREATE_LEDGER}; ${FRESH_SCHEMA.sql}; INSERT INTO ${LEDGER} (version, applied_at) VALUES (?, ?)`,
      FRESH_SCHEMA.version,
      now,
    );
    applied = FRESH_SCHEMA.version;
  }
  applyMigrationsAfter(sql, applied, now);
}

/** Applies, one by one and each with its ledger row, every migration numbered after `applied`. */
function applyMigrationsAfter(sql: SqlStorage, applied: number, now: number): void {
  for (const migration of MIGRATIONS) {
    if (migration.version <= applied) continue;
    sql.exec(migration.sql);
    sql.exec(`INSERT INTO ${LEDGER} (version, applied_at) VALUES (?, ?)`, migration.version, now);
  }
}
