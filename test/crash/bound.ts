// The settle bound: how long after the last restart every task must have settled, derived from the engine's own timers.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The engine's recovery timers, read from its source: the object's module imports `cloudflare:workers`,
 * so Node cannot import it, and reading the text keeps the bound following whatever the code says.
 */
export interface RecoveryTimers {
  /** A queued message lost with the runtime is sent again after this (src/engine/task-run.ts)... */
  CLAIM_TIMEOUT_MS: number;
  /** ...or after this, when it had already been sent again once. */
  CLAIM_RESEND_INTERVAL_MS: number;
  /** An eager dispatch nobody claimed is queued after this. */
  EAGER_CLAIM_TIMEOUT_MS: number;
  /** A claimed attempt with no report is given up this long after its step timeout. */
  DEADLINE_GRACE_MS: number;
  /** Outbox rows and effects a crash left unsent are retried after this (src/task-object/outbox.ts). */
  OUTBOX_FLUSH_DELAY_MS: number;
  /** A task-index write the crash cut is retried after this (src/task-object/task-index-effect.ts). */
  INDEX_RETRY_BASE_MS: number;
}

const SOURCES: Record<keyof RecoveryTimers, string> = {
  CLAIM_TIMEOUT_MS: "src/engine/task-run.ts",
  CLAIM_RESEND_INTERVAL_MS: "src/engine/task-run.ts",
  EAGER_CLAIM_TIMEOUT_MS: "src/engine/task-run.ts",
  DEADLINE_GRACE_MS: "src/engine/task-run.ts",
  OUTBOX_FLUSH_DELAY_MS: "src/task-object/outbox.ts",
  INDEX_RETRY_BASE_MS: "src/task-object/task-index-effect.ts",
};

/** Reads `export const NAME = 12_345;` from a source file; throws (naming both) if the constant moved. */
function readConstant(file: string, name: string): number {
  const text = readFileSync(join(ROOT, file), "utf8");
  const match = new RegExp(`export const ${name}\\s*=\\s*([0-9_]+)\\s*;`).exec(text);
  if (!match?.[1])
    throw new Error(`the crash test reads ${name} from ${file} and did not find it there; update test/crash/bound.ts`);
  return Number(match[1].replaceAll("_", ""));
}

export function readRecoveryTimers(): RecoveryTimers {
  const entries = Object.entries(SOURCES).map(([name, file]) => [name, readConstant(file, name)]);
  return Object.fromEntries(entries) as RecoveryTimers;
}

/** Time for the work left after the last restart to run on a busy 2-core machine, on top of the recovery timers. */
export const WORK_ALLOWANCE_MS = 60_000;

export interface TemplateStep {
  name: string;
  timeout_seconds: number;
  retry: { max_backoff_ms: number };
}

export interface SettleBound {
  ms: number;
  explanation: string;
}

/**
 * After the last restart nothing is killed again, so each piece of in-flight work is lost at most
 * once: a queued message comes back after its claim timeout (or re-send interval); a claimed attempt after its deadline
 * (step timeout + grace) and its backoff. Unsent outbox rows and a cut index write add their retry
 * delays, and the rest of the work gets WORK_ALLOWANCE_MS.
 */
export function settleBound(timers: RecoveryTimers, steps: readonly TemplateStep[]): SettleBound {
  const lostAttempt = Math.max(
    0,
    ...steps.map((step) => step.timeout_seconds * 1000 + timers.DEADLINE_GRACE_MS + step.retry.max_backoff_ms),
  );
  const lostMessage = Math.max(timers.CLAIM_TIMEOUT_MS, timers.CLAIM_RESEND_INTERVAL_MS, timers.EAGER_CLAIM_TIMEOUT_MS);
  const ms = Math.max(lostMessage, lostAttempt) + timers.OUTBOX_FLUSH_DELAY_MS + timers.INDEX_RETRY_BASE_MS + WORK_ALLOWANCE_MS;
  const s = (value: number) => `${value / 1000} s`;
  return {
    ms,
    explanation:
      `max(lost message ${s(lostMessage)}, lost attempt ${s(lostAttempt)}) + outbox re-send ${s(timers.OUTBOX_FLUSH_DELAY_MS)}` +
      ` + index retry ${s(timers.INDEX_RETRY_BASE_MS)} + work ${s(WORK_ALLOWANCE_MS)} = ${s(ms)}`,
  };
}
