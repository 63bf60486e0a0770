// Multi-row INSERT and DELETE statements cut to fit SQLite's bound-parameter limit.
import { SQL_PARAMS_PER_STATEMENT } from "../shared/limits";

export type SqlValue = string | number | null;

/**
 * Inserts rows in chunks so that no statement binds more than SQLite's 100 parameters (`verb`:
 * `INSERT OR REPLACE` replaces rows with the same key, a later row of the same chunk winning).
 */
export function insertChunked(
  sql: SqlStorage,
  table: string,
  columns: string[],
  rows: SqlValue[][],
  verb: "INSERT" | "INSERT OR REPLACE" = "INSERT",
): void {
  const perStatement = Math.max(1, Math.floor(SQL_PARAMS_PER_STATEMENT / columns.length));
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    sql.exec(`${verb} INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")}`, ...chunk.flat());
  }
}

export function deleteChunked(sql: SqlStorage, table: string, column: string, values: string[]): void {
  for (let i = 0; i < values.length; i += SQL_PARAMS_PER_STATEMENT) {
    const chunk = values.slice(i, i + SQL_PARAMS_PER_STATEMENT);
    sql.exec(`DELETE FROM ${table} WHERE ${column} IN (${chunk.map(() => "?").join(", ")})`, ...chunk);
  }
}
