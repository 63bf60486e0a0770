// Retry policy: whether a failed attempt is retried, and after how long.
import type { BackoffKind, RetrySettings } from "../templates/types";

/** Fraction of the computed delay that jitter may take off (spreads retries of many steps apart). */
export const DEFAULT_JITTER_RATIO = 0.1;

export interface FailureFacts {
  /** Attempts made so far, including the one that just failed. */
  attempts: number;
  /** Whether the handler said this failure may be retried. */
  retryable: boolean;
  /** A delay the handler asked for (RetryableError.retryAfterMs or an HTTP Retry-After). */
  retryAfterMs?: number | undefined;
}

export type RetryDecision = { retry: false; reason: "not_retryable" | "attempts_exhausted" } | { retry: true; delayMs: number };

/** Un-jittered delay before attempt `attempts + 1`, capped at `max_backoff_ms`. */
export function backoffDelayMs(kind: BackoffKind, baseMs: number, maxMs: number, attempts: number): number {
  const n = Math.max(1, attempts);
  let delay: number;
  switch (kind) {
    case "none":
      return 0;
    case "linear":
      delay = baseMs * n;
      break;
    case "exponential":
      delay = baseMs * 2 ** Math.min(n - 1, 40);
      break;
    case "fibonacci":
      delay = baseMs * fibonacci(n);
      break;
  }
  return Math.min(delay, maxMs);
}

function fibonacci(n: number): number {
  let [a, b] = [1, 1];
  for (let i = 2; i < Math.min(n, 80); i++) [a, b] = [b, a + b];
  return n <= 2 ? 1 : b;
}

/**
 * Decides whether to retry and when. A handler-requested delay wins over the computed backoff
 * (capped by `max_backoff_ms`, no jitter); otherwise jitter takes up to `jitterRatio` of the
 * delay off: `delay − floor(delay × jitterRatio × random())`, never more than the computed delay.
 */
export function decideRetry(
  settings: RetrySettings,
  facts: FailureFacts,
  random: () => number,
  jitterRatio = DEFAULT_JITTER_RATIO,
): RetryDecision {
  if (!facts.retryable || !settings.retryable) return { retry: false, reason: "not_retryable" };
  if (facts.attempts >= settings.max_attempts) return { retry: false, reason: "attempts_exhausted" };
  if (facts.retryAfterMs !== undefined) {
    return { retry: true, delayMs: Math.min(facts.retryAfterMs, settings.max_backoff_ms) };
  }
  const delay = backoffDelayMs(settings.backoff, settings.backoff_base_ms, settings.max_backoff_ms, facts.attempts);
  return { retry: true, delayMs: delay - Math.floor(delay * jitterRatio * random()) };
}
