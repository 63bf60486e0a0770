// The task index write waits a moment for a newer state: a task that finishes meanwhile costs one D1 write, its final state.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ReadQueries } from "../../src/task-object/read-queries";
import type { TaskRow } from "../../src/task-object/rows";
import { INDEX_EFFECT, TaskIndexWriter } from "../../src/task-object/task-index-effect";
import { createFromYaml, HELD_TEMPLATE } from "./helpers";

/** The catalog, counting the task index upserts prepared through it. */
function countingCatalog(): { db: D1Database; upserts: () => number } {
  let upserts = 0;
  const real = env.TASKER_DB;
  const db = new Proxy(real, {
    get(target, property) {
      if (property === "prepare") {
        return (sql: string) => {
          if (sql.startsWith("INSERT INTO task_index")) upserts++;
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, upserts: () => upserts };
}

async function indexedStatus(taskUuid: string): Promise<string | null> {
  const row = await env.TASKER_DB.prepare("SELECT status FROM task_index WHERE task_uuid = ?")
    .bind(taskUuid)
    .first<{ status: string }>();
  return row?.status ?? null;
}

/**
 * Runs `body` with a writer over a held task's own storage (its task row as `state` says, so a test
 * can finish the task without running it), a counting catalog and a settle window no test outlasts.
 */
async function withWriter(
  body: (writer: TaskIndexWriter, finish: () => void, sql: SqlStorage, upserts: () => number) => Promise<void>,
): Promise<string> {
  const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
  await runInDurableObject(env.TASKS.getByName(task_uuid), async (_instance, state) => {
    const sql = state.storage.sql;
    // Whatever the object's own writer left pending is taken over by this one.
    sql.exec("DELETE FROM effects WHERE kind = ?", INDEX_EFFECT);
    let finished = false;
    const reads = new ReadQueries(sql);
    const task = (): TaskRow | null => {
      const row = reads.task();
      return row && finished ? { ...row, state: "complete", completed_at: Date.now() } : row;
    };
    const catalog = countingCatalog();
    const writer = new TaskIndexWriter(
      sql,
      task,
      () => catalog.db,
      () => {},
      () => {},
      3_600_000,
    );
    await body(writer, () => (finished = true), sql, catalog.upserts);
  });
  return task_uuid;
}

describe("the task index write's settle window", () => {
  it("holds an unfinished task's write, and sends only the final state once the task finishes", async () => {
    let upsertsAtEnd = -1;
    const uuid = await withWriter(async (writer, finish, _sql, upserts) => {
      writer.enqueue(Date.now());
      const flushed = writer.flush();
      // Still settling: nothing sent, the write still pending.
      await Promise.resolve();
      expect(upserts()).toBe(0);
      expect(writer.hasPending()).toBe(true);
      // The task finishes: its write replaces the pending one, and the next flush cuts the wait short.
      finish();
      writer.enqueue(Date.now());
      await writer.flush();
      await flushed;
      upsertsAtEnd = upserts();
      expect(writer.hasPending()).toBe(false);
    });
    expect(upsertsAtEnd).toBe(1);
    expect(await indexedStatus(uuid)).toBe("complete");
  });

  it("keeps the age of the write it replaces, so a task that keeps changing state is still written", async () => {
    await withWriter(async (writer, _finish, sql) => {
      const first = Date.now() - 5_000;
      writer.enqueue(first);
      writer.enqueue(Date.now());
      const rows = sql.exec<{ created_at: number }>("SELECT created_at FROM effects WHERE kind = ?", INDEX_EFFECT).toArray();
      expect(rows).toEqual([{ created_at: first }]);
    });
  });

  it("sends a finished task's write at once", async () => {
    let upsertsAtEnd = -1;
    const uuid = await withWriter(async (writer, finish, _sql, upserts) => {
      finish();
      writer.enqueue(Date.now());
      await writer.flush();
      upsertsAtEnd = upserts();
    });
    expect(upsertsAtEnd).toBe(1);
    expect(await indexedStatus(uuid)).toBe("complete");
  });
});
