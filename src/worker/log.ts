// The SDK's structured log lines: one JSON object per line, keyed so `wrangler tail --search` finds them.

export type LogLevel = "info" | "warn" | "error";

/** Writes `{ evt, ...fields }`; callers pass identifiers and counts only, never payloads. */
export function log(level: LogLevel, evt: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ evt, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
