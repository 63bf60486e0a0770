// How fast a bulk job goes: tasks per alarm run and the pause before each run, from Worker vars.
import { log } from "../log";

export const DEFAULT_BULK_PAGE_SIZE = 100;
export const MAX_BULK_PAGE_SIZE = 1_000;
/** Tasks of one page acted on at once. */
export const BULK_CONCURRENCY = 10;

export interface BulkPacing {
  pageSize: number;
  /** Milliseconds before each page, the first included (0: at once). */
  pageIntervalMs: number;
}

function readWhole(env: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  const text = String(value).trim();
  if (/^\d{1,9}$/.test(text) && Number(text) <= max) return Number(text);
  log("warn", "bulk_jobs.bad_setting", { variable: name, value: String(value), using: fallback });
  return fallback;
}

/** `TASKER_BULK_PAGE_SIZE` (1–1000, default 100) and `TASKER_BULK_PAGE_INTERVAL_MS` (default 0). */
export function readBulkPacing(env: unknown): BulkPacing {
  const values = (env ?? {}) as Record<string, unknown>;
  return {
    pageSize: Math.max(1, readWhole(values, "TASKER_BULK_PAGE_SIZE", DEFAULT_BULK_PAGE_SIZE, MAX_BULK_PAGE_SIZE)),
    pageIntervalMs: readWhole(values, "TASKER_BULK_PAGE_INTERVAL_MS", 0, 86_400_000),
  };
}
