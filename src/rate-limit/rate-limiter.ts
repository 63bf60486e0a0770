// The Durable Object that counts one caller's requests against its rate limits (one object per caller).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { type BucketLimit, type TakeResult, TokenBuckets } from "./token-buckets";

const LimitsSchema = z
  .array(z.object({ name: z.string().min(1).max(50), perMinute: z.number().int().positive() }))
  .min(1)
  .max(10);
const WantedSchema = z.number().int().min(1).max(100);

/**
 * Keeps its buckets in memory only: losing them (the object is evicted after a quiet spell) can only
 * refill a bucket that had mostly refilled already, and no write waits on storage.
 */
export class RateLimiter extends DurableObject<Env> {
  private readonly buckets = new TokenBuckets();

  /**
   * Takes one request from each limit, and up to `wanted` in all for the caller to spend later; or
   * none, saying which limit is exhausted and for how long.
   */
  take(limits: BucketLimit[], wanted = 1): TakeResult {
    return this.buckets.take(LimitsSchema.parse(limits), Date.now(), WantedSchema.parse(wanted));
  }
}
