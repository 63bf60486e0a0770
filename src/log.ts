// Structured logs: one JSON object per line, so `wrangler tail --search <task_uuid>` follows a task.

export type LogLevel = "info" | "warn" | "error";

/** The Worker var that sets the lowest level written: `info` (the default), `warn` or `error`. */
export const LOG_LEVEL_VAR = "TASKER_LOG_LEVEL";

const RANK: Readonly<Record<LogLevel, number>> = { info: 0, warn: 1, error: 2 };

let lowestWritten: number = RANK.info;
const warnedAbout = new Set<string>();

/**
 * Sets the lowest level written from an env's `TASKER_LOG_LEVEL`, for the whole isolate (every
 * Worker and object of one deployment shares its vars). Unset means `info`; an unknown value also
 * means `info`, and says so once.
 */
export function useLogLevelOf(env: unknown): void {
  const value = typeof env === "object" && env !== null ? (env as Record<string, unknown>)[LOG_LEVEL_VAR] : undefined;
  if (value === undefined || value === "") {
    lowestWritten = RANK.info;
    return;
  }
  if (typeof value === "string" && Object.hasOwn(RANK, value)) {
    lowestWritten = RANK[value as LogLevel];
    return;
  }
  lowestWritten = RANK.info;
  const shown = String(value);
  if (!warnedAbout.has(shown)) {
    warnedAbout.add(shown);
    log("warn", "config.log_level_unknown", { variable: LOG_LEVEL_VAR, value: shown, using: "info", known: Object.keys(RANK) });
  }
}

/** Writes one line, unless its level is below the isolate's (then nothing is built). */
export function log(level: LogLevel, evt: string, fields: Record<string, unknown>): void {
  if (RANK[level] < lowestWritten) return;
  const line = JSON.stringify({ evt, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
