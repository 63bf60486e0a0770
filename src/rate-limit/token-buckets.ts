// Token buckets for one caller: each limit allows `perMinute` requests a minute, in bursts of up to as many.

export interface BucketLimit {
  /** Which budget: `writes`, `task_creates`. */
  name: string;
  perMinute: number;
}

export type Refusal = { allowed: false; limit: string; perMinute: number; retryAfterMs: number };
export type TakeResult = { allowed: true } | Refusal;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MINUTE_MS = 60_000;

/**
 * A bucket starts full, holds at most `perMinute` tokens and refills continuously at `perMinute` per
 * minute; a request takes one token from every bucket it counts against, or none if any is empty.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  take(limits: readonly BucketLimit[], now: number): TakeResult {
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
    for (const { bucket } of current) bucket.tokens -= 1;
    return { allowed: true };
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
