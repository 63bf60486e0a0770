// Counts the task object's SQL statements and the rows they read and write, for traces; installed only when tracing is on.
import type { TraceCounter } from "../trace";

/**
 * Wraps the object's `SqlStorage` so every `exec` is counted. `take()` returns the statements run
 * and the rows their cursors read and wrote since the previous call (a cursor's counts grow as it
 * is read, so they are summed when taken; the object's code reads its cursors synchronously).
 */
export class SqlMeter implements TraceCounter {
  private statements = 0;
  private cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  private events: Record<string, number> = {};

  /** Counts something other than SQL (an alarm write), taken with the statements. */
  add(event: string): void {
    this.events[event] = (this.events[event] ?? 0) + 1;
  }

  wrap(sql: SqlStorage): SqlStorage {
    const exec = (query: string, ...bindings: unknown[]) => {
      const cursor = sql.exec(query, ...bindings);
      this.statements += 1;
      this.cursors.push(cursor);
      return cursor;
    };
    return new Proxy(sql, {
      get(target, property) {
        if (property === "exec") return exec;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  take(): Record<string, number> {
    let rowsRead = 0;
    let rowsWritten = 0;
    for (const cursor of this.cursors) {
      rowsRead += cursor.rowsRead;
      rowsWritten += cursor.rowsWritten;
    }
    const counts = { sql_statements: this.statements, rows_read: rowsRead, rows_written: rowsWritten, ...this.events };
    this.statements = 0;
    this.cursors = [];
    this.events = {};
    return counts;
  }
}
