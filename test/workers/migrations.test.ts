import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/engine/ids";
import { FRESH_SCHEMA, MIGRATIONS, migrate } from "../../src/task-object/migrations";

/** Everything that defines a database's schema, read back from SQLite itself, and its ledger's version. */
function schemaOf(sql: SqlStorage) {
  const rows = <T>(query: string, ...bindings: SqlStorageValue[]) =>
    sql.exec<T & Record<string, SqlStorageValue>>(query, ...bindings).toArray() as T[];
  const objects = rows<{ type: string; name: string; tbl_name: string; sql: string | null }>(
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY type, name",
  );
  return {
    objects: objects.map(({ type, name, tbl_name }) => ({ type, name, tbl_name })),
    // An index's definition is its CREATE INDEX text (ALTER TABLE rewrites a table's text, never an index's).
    indexes: objects
      .filter((o) => o.type === "index" && o.sql !== null)
      .map((o) => ({ name: o.name, sql: (o.sql ?? "").replace(/\s+/g, " ") })),
    tables: objects
      .filter((o) => o.type === "table")
      .map((o) => ({
        name: o.name,
        autoincrement: /AUTOINCREMENT/i.test(o.sql ?? ""),
        list: rows("SELECT type, ncol, wr, strict FROM pragma_table_list WHERE name = ?", o.name),
        columns: rows('SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid', o.name),
        indexes: rows('SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name', o.name),
      })),
    version: sql.exec<{ v: number }>("SELECT MAX(version) AS v FROM _migrations").one().v,
  };
}

/** Runs `work` on the SQLite database of a task object that never held a task. */
function inEmptyObject<T>(work: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(env.TASKS.getByName(uuidv7()), (_instance, state) =>
    state.storage.transactionSync(() => work(state.storage.sql)),
  );
}

describe("task object migrations", () => {
  it("give a brand-new object, in one script, the schema and version an object migrated from version 1 reaches", async () => {
    const fresh = await inEmptyObject((sql) => {
      migrate(sql, 1);
      return schemaOf(sql);
    });
    const migrated = await inEmptyObject((sql) => {
      // An object an early release created: the ledger and version 1 only.
      const [first] = MIGRATIONS;
      if (!first) throw new Error("no migrations");
      sql.exec("CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      sql.exec(first.sql);
      sql.exec("INSERT INTO _migrations (version, applied_at) VALUES (?, ?)", first.version, 1);
      migrate(sql, 2);
      return schemaOf(sql);
    });
    expect(fresh).toEqual(migrated);
    expect(fresh.version).toBe(MIGRATIONS.at(-1)?.version);
    expect(fresh.tables.map((t) => t.name)).toContain("webhook_attempts");
  });

  it("is written up to a version that exists", () => {
    expect(MIGRATIONS.map((m) => m.version)).toContain(FRESH_SCHEMA.version);
  });

  it("leave a migrated object's schema alone when run again", async () => {
    const [before, after] = await inEmptyObject((sql) => {
      migrate(sql, 1);
      const first = schemaOf(sql);
      migrate(sql, 2);
      return [first, schemaOf(sql)];
    });
    expect(after).toEqual(before);
  });
});
