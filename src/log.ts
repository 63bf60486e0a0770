// Structured logs: one JSON object per line, so `wrangler tail --search <task_uuid>` follows a task.

export type LogLevel = "info" | "warn" | "error";

export function log(level: LogLevel, evt: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ evt, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
