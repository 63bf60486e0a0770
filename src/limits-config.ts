// Reads the abuse limits a deployment may tune (rate limits, the step ceiling) from Worker vars.
import { DEFAULT_MAX_TASK_STEPS } from "./shared/limits";

/** Task creations one caller may make per minute, in bursts of up to as many, unless configured. */
export const DEFAULT_TASK_CREATES_PER_MINUTE = 3_000;
/** Writes (every POST, PUT, PATCH and DELETE under /v1, creations included) one caller may make per minute. */
export const DEFAULT_WRITES_PER_MINUTE = 6_000;
/** A ceiling above this is a typo, not a plan: one object would hold millions of step rows. */
export const MAX_CONFIGURABLE_TASK_STEPS = 1_000_000;

export const LIMIT_ENV_VARS = ["TASKER_MAX_TASK_STEPS", "TASKER_TASK_CREATES_PER_MINUTE", "TASKER_WRITES_PER_MINUTE"] as const;
type LimitEnvVar = (typeof LIMIT_ENV_VARS)[number];

export interface LimitsConfig {
  maxTaskSteps: number;
  /** `null`: not limited (`off`). */
  taskCreatesPerMinute: number | null;
  writesPerMinute: number | null;
}

/** The limits, each malformed one at its default, and a problem naming each malformed variable. */
export interface LimitsReading {
  config: LimitsConfig;
  problems: string[];
}

const OFF = "off";

/** A whole number from a string or a number var; unset means the default, anything else malformed is a problem. */
function readCount(
  variable: LimitEnvVar,
  value: unknown,
  fallback: number,
  { allowOff, max }: { allowOff: boolean; max: number },
  problems: string[],
): number | null {
  if (value === undefined) return fallback;
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (allowOff && text.toLowerCase() === OFF) return null;
  const count = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isInteger(count) && count >= 1 && count <= max) return count;
  problems.push(
    `${variable} must be a whole number from 1 to ${max}${allowOff ? ` or "${OFF}"` : ""}, not ${JSON.stringify(value)}`,
  );
  return fallback;
}

/** The limits configured in `env` (a Worker's env, or any record of its vars). */
export function readLimits(env: unknown): LimitsReading {
  const values = (env ?? {}) as Partial<Record<LimitEnvVar, unknown>>;
  const problems: string[] = [];
  const rate = { allowOff: true, max: 1_000_000 };
  const config: LimitsConfig = {
    maxTaskSteps:
      readCount(
        "TASKER_MAX_TASK_STEPS",
        values.TASKER_MAX_TASK_STEPS,
        DEFAULT_MAX_TASK_STEPS,
        { allowOff: false, max: MAX_CONFIGURABLE_TASK_STEPS },
        problems,
      ) ?? DEFAULT_MAX_TASK_STEPS,
    taskCreatesPerMinute: readCount(
      "TASKER_TASK_CREATES_PER_MINUTE",
      values.TASKER_TASK_CREATES_PER_MINUTE,
      DEFAULT_TASK_CREATES_PER_MINUTE,
      rate,
      problems,
    ),
    writesPerMinute: readCount(
      "TASKER_WRITES_PER_MINUTE",
      values.TASKER_WRITES_PER_MINUTE,
      DEFAULT_WRITES_PER_MINUTE,
      rate,
      problems,
    ),
  };
  return { config, problems };
}

/**
 * The step ceiling a task object enforces at run time. A malformed value counts as the default
 * here: the API refuses new work while the configuration is malformed, and running tasks keep going.
 */
export function maxTaskSteps(env: unknown): number {
  return readLimits(env).config.maxTaskSteps;
}
