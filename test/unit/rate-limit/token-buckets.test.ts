import { describe, expect, it } from "vitest";
import { MAX_GRANT_SHARE, TokenBuckets } from "../../../src/rate-limit/token-buckets";

const WRITES = { name: "writes", perMinute: 6 };
const CREATES = { name: "task_creates", perMinute: 2 };

describe("TokenBuckets", () => {
  it("allows a burst of perMinute requests at once, then refuses with the wait until the next token", () => {
    const buckets = new TokenBuckets();
    for (let i = 0; i < 6; i++) expect(buckets.take([WRITES], 0)).toEqual({ allowed: true, granted: 1 });
    // 6 a minute: one token every 10 s.
    expect(buckets.take([WRITES], 0)).toEqual({ allowed: false, limit: "writes", perMinute: 6, retryAfterMs: 10_000 });
    expect(buckets.take([WRITES], 4_000)).toMatchObject({ allowed: false, retryAfterMs: 6_000 });
  });

  it("refills continuously at perMinute a minute, never above perMinute", () => {
    const buckets = new TokenBuckets();
    for (let i = 0; i < 6; i++) buckets.take([WRITES], 0);
    expect(buckets.take([WRITES], 10_000)).toEqual({ allowed: true, granted: 1 });
    expect(buckets.take([WRITES], 10_000)).toMatchObject({ allowed: false });
    // An hour idle refills to the burst size, not to 360.
    let allowed = 0;
    while (buckets.take([WRITES], 3_600_000).allowed) allowed++;
    expect(allowed).toBe(6);
  });

  it("takes from every bucket or from none: a refusal by one spends nothing of the others", () => {
    const buckets = new TokenBuckets();
    expect(buckets.take([WRITES, CREATES], 0).allowed).toBe(true);
    expect(buckets.take([WRITES, CREATES], 0).allowed).toBe(true);
    expect(buckets.take([WRITES, CREATES], 0)).toMatchObject({ allowed: false, limit: "task_creates", retryAfterMs: 30_000 });
    // Two writes were spent by the creations, none by the refusal: four are left.
    let writes = 0;
    while (buckets.take([WRITES], 0).allowed) writes++;
    expect(writes).toBe(4);
  });

  it("names the budget with the longest wait when several are spent", () => {
    const buckets = new TokenBuckets();
    const tight = { name: "writes", perMinute: 1 };
    expect(buckets.take([tight, CREATES], 0).allowed).toBe(true);
    expect(buckets.take([tight, CREATES], 0)).toMatchObject({ allowed: false, limit: "writes", retryAfterMs: 60_000 });
  });

  it("applies a lowered limit at once", () => {
    const buckets = new TokenBuckets();
    expect(buckets.take([WRITES], 0).allowed).toBe(true);
    expect(buckets.take([{ name: "writes", perMinute: 1 }], 0).allowed).toBe(true);
    expect(buckets.take([{ name: "writes", perMinute: 1 }], 0).allowed).toBe(false);
  });

  it("never refills backwards when the clock reads earlier than before", () => {
    const buckets = new TokenBuckets();
    for (let i = 0; i < 6; i++) buckets.take([WRITES], 50_000);
    expect(buckets.take([WRITES], 0)).toMatchObject({ allowed: false, retryAfterMs: 10_000 });
  });

  it("grants up to the tokens wanted ahead of need, never more than a small share of the emptiest bucket", () => {
    const buckets = new TokenBuckets();
    const big = { name: "writes", perMinute: 1_000 };
    expect(buckets.take([big], 0, 8)).toEqual({ allowed: true, granted: 8 });
    // 992 left: a twentieth is 49, so asking for 100 gets 49.
    expect(MAX_GRANT_SHARE).toBe(1 / 20);
    expect(buckets.take([big], 0, 100)).toEqual({ allowed: true, granted: 49 });
    // The emptiest bucket decides, and every bucket gives what was granted.
    expect(buckets.take([big, { name: "task_creates", perMinute: 40 }], 0, 8)).toEqual({ allowed: true, granted: 2 });
    let creates = 0;
    while (buckets.take([{ name: "task_creates", perMinute: 40 }], 0).allowed) creates++;
    expect(creates).toBe(38);
  });

  it("grants exactly one token near the limit, so the count is exact where it matters", () => {
    const buckets = new TokenBuckets();
    for (let i = 0; i < 6; i++) expect(buckets.take([WRITES], 0, 8)).toEqual({ allowed: true, granted: 1 });
    expect(buckets.take([WRITES], 0, 8)).toMatchObject({ allowed: false });
  });
});
