import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelayMs, decideRetry } from "../../../src/engine/retry";
import type { RetrySettings } from "../../../src/templates/types";

const settings = (overrides: Partial<RetrySettings> = {}): RetrySettings => ({
  retryable: true,
  max_attempts: 5,
  backoff: "exponential",
  backoff_base_ms: 1000,
  max_backoff_ms: 30_000,
  ...overrides,
});

describe("backoffDelayMs", () => {
  it("computes each kind from the base", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs("exponential", 100, 100_000, n))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs("linear", 100, 100_000, n))).toEqual([100, 200, 300, 400]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs("fibonacci", 100, 100_000, n))).toEqual([100, 100, 200, 300, 500, 800]);
    expect(backoffDelayMs("none", 100, 100_000, 3)).toBe(0);
  });

  it("never exceeds max_backoff_ms", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("none", "linear", "exponential", "fibonacci" as const),
        fc.integer({ min: 100, max: 3_600_000 }),
        fc.integer({ min: 1_000, max: 3_600_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        (kind, base, max, attempts) => {
          const delay = backoffDelayMs(kind, base, max, attempts);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});

describe("decideRetry", () => {
  it("retries a retryable failure while attempts remain", () => {
    expect(decideRetry(settings(), { attempts: 1, retryable: true }, () => 0)).toEqual({ retry: true, delayMs: 1000 });
    expect(decideRetry(settings(), { attempts: 3, retryable: true }, () => 0)).toEqual({ retry: true, delayMs: 4000 });
  });

  it("stops when attempts are exhausted (max_attempts counts the first attempt)", () => {
    expect(decideRetry(settings({ max_attempts: 2 }), { attempts: 2, retryable: true }, () => 0)).toEqual({
      retry: false,
      reason: "attempts_exhausted",
    });
    expect(decideRetry(settings({ max_attempts: 1 }), { attempts: 1, retryable: true }, () => 0).retry).toBe(false);
  });

  it("never retries a permanent failure or a step marked not retryable", () => {
    expect(decideRetry(settings(), { attempts: 1, retryable: false }, () => 0)).toEqual({
      retry: false,
      reason: "not_retryable",
    });
    expect(decideRetry(settings({ retryable: false }), { attempts: 1, retryable: true }, () => 0)).toEqual({
      retry: false,
      reason: "not_retryable",
    });
  });

  it("takes up to 10% off the delay as jitter, never adding to it", () => {
    expect(decideRetry(settings(), { attempts: 1, retryable: true }, () => 0.999)).toEqual({ retry: true, delayMs: 901 });
  });

  it("honours a handler's retry-after, capped by max_backoff_ms, without jitter", () => {
    expect(decideRetry(settings(), { attempts: 1, retryable: true, retryAfterMs: 7_000 }, () => 0.5)).toEqual({
      retry: true,
      delayMs: 7_000,
    });
    expect(decideRetry(settings(), { attempts: 1, retryable: true, retryAfterMs: 99_000 }, () => 0.5)).toEqual({
      retry: true,
      delayMs: 30_000,
    });
  });
});
