// Token buckets for one caller: each limit allows `perMinute` requests a minute, in bursts of up to as many.

export interface BucketLimit {
  /** Which budget: `writes`, `task_creates`. */
  name: string;
  perMinute: number;
}

export type Refusal = { allowed: false; limit: string; perMinute: number; retryAfterMs: number };
/** `granted` tokens were taken from every bucket: the request's own, and any the caller may spend later. */
export type TakeResult = { allowed: true; granted: number } | Refusal;

/**
 * A grant ahead of need never takes more than this share of what a bucket holds: near the limit the
 * grants shrink to one token, so the count is exact where it matters.
 */
export const MAX_GRANT_SHARE = 1 / 20;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MINUTE_MS = 60_000;

/**
 * A bucket starts full, holds at most `perMinute` tokens and refills continuously at `perMinute` per
 * minute; a request takes one token from every bucket it counts against, or none if any is empty.
 * A caller may ask for up to `wanted` tokens at once, to spend on its next requests without asking
 * again; it gets at most MAX_GRANT_SHARE of the emptiest bucket, and always at least the one it needs.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  take(limits: readonly BucketLimit[], now: number, wanted = 1): TakeResult {
    const current = limits.map((limit) => ({ limit, bucket: this.refilled(limit, now) }));
    let refusal: Refusal | undefined;
    for (const { limit, bucket } of current) {
      if (bucket.tokens >= 1) continue;
      const retryAfterMs = Math.ceil(((1 - bucket.tokens) * MINUTE_MS) / limit.perMinute);
      if (refusal === undefined || retryAfterMs > refusal.retryAfterMs) {
        refusal = { allowed: false, limit: limit.name, perMinute: limit.perMinute, retryAfterMs };
      }
    }
    // All or nothing: a request refused by one budget spends none of the others.
    if (refusal) return refusal;
    const fewest = Math.min(...current.map(({ bucket }) => bucket.tokens));
    const granted = Math.max(1, Math.min(Math.floor(wanted), Math.floor(fewest * MAX_GRANT_SHARE)));
    for (const { bucket } of current) bucket.tokens -= granted;
    return { allowed: true, granted };
  }

  private refilled(limit: BucketLimit, now: number): Bucket {
    let bucket = this.buckets.get(limit.name);
    if (!bucket) {
      bucket = { tokens: limit.perMinute, updatedAt: now };
      this.buckets.set(limit.name, bucket);
    }
    const elapsed = Math.max(0, now - bucket.updatedAt);
    // The cap also applies a lowered limit at once.
    bucket.tokens = Math.min(limit.perMinute, bucket.tokens + (elapsed * limit.perMinute) / MINUTE_MS);
    bucket.updatedAt = Math.max(bucket.updatedAt, now);
    return bucket;
  }
}
