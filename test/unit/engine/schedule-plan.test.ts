import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CATCH_UP_WINDOW_MS,
  decideFire,
  fireIdempotencyKey,
  nextFireAfter,
  ON_TIME_GRACE_MS,
  planDueFires,
} from "../../../src/engine/schedule-plan";
import type { ScheduleTiming } from "../../../src/templates/schedule-spec";

const at = (text: string) => Date.parse(text);
const cron = (expression: string, timezone = "UTC"): ScheduleTiming => ({ cron: expression, interval_seconds: null, timezone });
const every = (seconds: number): ScheduleTiming => ({ cron: null, interval_seconds: seconds, timezone: "UTC" });

/** The first `count` fire times after `from`, as ISO strings. */
function fires(timing: ScheduleTiming, from: string, count: number, anchor = 0): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextFireAfter(timing, t, anchor);
    if (next === null) break;
    out.push(new Date(next).toISOString());
    t = next;
  }
  return out;
}

describe("nextFireAfter with a cron in a time zone", () => {
  it("reads the fields in the schedule's time zone", () => {
    expect(fires(cron("0 9 * * *", "Asia/Tokyo"), "2026-06-01T00:00:00Z", 2)).toEqual([
      "2026-06-02T00:00:00.000Z",
      "2026-06-03T00:00:00.000Z",
    ]);
  });

  it("keeps 09:00 local across the spring DST change (New York: 14:00Z, then 13:00Z)", () => {
    expect(fires(cron("0 9 * * *", "America/New_York"), "2026-03-07T00:00:00Z", 2)).toEqual([
      "2026-03-07T14:00:00.000Z",
      "2026-03-08T13:00:00.000Z",
    ]);
  });

  it("runs a wall time that the spring change skips at the first valid time after the gap, once", () => {
    // 02:30 does not exist in Paris on 2026-03-29: it runs at 03:00 CEST (01:00Z).
    expect(fires(cron("30 2 * * *", "Europe/Paris"), "2026-03-28T00:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  it("runs a wall time that the autumn change repeats once, at its first occurrence", () => {
    // 02:30 happens twice in Paris on 2026-10-25 (00:30Z in CEST, 01:30Z in CET): one fire.
    expect(fires(cron("30 2 * * *", "Europe/Paris"), "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("fires strictly after the given instant", () => {
    expect(nextFireAfter(cron("0 * * * *"), at("2026-01-01T10:00:00Z"), 0)).toBe(at("2026-01-01T11:00:00Z"));
  });
});

describe("nextFireAfter with an interval", () => {
  it("counts whole periods from the anchor", () => {
    expect(nextFireAfter(every(60), 1_000, 0)).toBe(60_000);
    expect(nextFireAfter(every(60), 60_000, 0)).toBe(120_000);
    expect(nextFireAfter(every(60), 500, 1_000)).toBe(1_000);
  });
});

describe("planDueFires", () => {
  const minute = every(60);

  it("runs nothing before the fire time", () => {
    expect(planDueFires(minute, 60_000, 59_999, 0, 1)).toEqual({ run: [], dropped: 0, next: 60_000 });
  });

  it("runs the fire that is due on time, and names the next one", () => {
    expect(planDueFires(minute, 60_000, 60_010, 0, 1)).toEqual({ run: [60_000], dropped: 0, next: 120_000 });
  });

  it("after an outage runs the on-time fire and the latest catch_up missed ones, dropping the rest", () => {
    const now = 6 * 60_000 + 5_000;
    expect(planDueFires(minute, 60_000, now, 0, 1)).toEqual({ run: [300_000, 360_000], dropped: 4, next: 420_000 });
    expect(planDueFires(minute, 60_000, now, 0, 3)).toEqual({
      run: [180_000, 240_000, 300_000, 360_000],
      dropped: 2,
      next: 420_000,
    });
  });

  it("with catch_up 0 drops every missed fire", () => {
    const now = 6 * 60_000 + 5_000;
    expect(planDueFires(minute, 60_000, now, 0, 0)).toEqual({ run: [360_000], dropped: 5, next: 420_000 });
    // Later than the grace, the latest fire is missed too.
    const late = 360_000 + ON_TIME_GRACE_MS + 1;
    expect(planDueFires(every(120), 120_000, late, 0, 0)).toEqual({ run: [], dropped: 3, next: 480_000 });
  });

  it("never runs a fire older than the catch-up window", () => {
    const daily = cron("0 3 * * *");
    const due = at("2026-01-01T03:00:00Z");
    const now = at("2026-01-10T12:00:00Z");
    const plan = planDueFires(daily, due, now, 0, 10);
    expect(plan.run).toEqual([at("2026-01-10T03:00:00Z")]);
    expect(plan.run.every((fire) => fire >= now - CATCH_UP_WINDOW_MS)).toBe(true);
    expect(plan.dropped).toBeGreaterThan(0);
    expect(plan.next).toBe(at("2026-01-11T03:00:00Z"));
  });

  it("bounds a long outage of a frequent schedule: at most catch_up + 1 fires, the latest", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(every(10), every(60), every(3_600), cron("* * * * *"), cron("*/5 * * * *", "Europe/Paris")),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 3 * CATCH_UP_WINDOW_MS }),
        (timing, catchUp, outage) => {
          const anchor = at("2026-03-01T00:00:00Z");
          const due = nextFireAfter(timing, anchor, anchor) as number;
          const now = due + outage;
          const plan = planDueFires(timing, due, now, anchor, catchUp);
          expect(plan.run.length).toBeLessThanOrEqual(catchUp + 1);
          expect([...plan.run].sort((a, b) => a - b)).toEqual(plan.run);
          for (const fire of plan.run) {
            expect(fire).toBeLessThanOrEqual(now);
            expect(fire).toBeGreaterThanOrEqual(Math.min(due, now - CATCH_UP_WINDOW_MS));
          }
          expect(plan.next).toBeGreaterThan(now);
          // The latest due fire is always decided: run, or counted as dropped.
          expect(plan.run.length + plan.dropped).toBeGreaterThan(0);
        },
      ),
      // Each run may enumerate a day of once-a-minute fires: fewer runs than the cheap property below.
      { numRuns: 40 },
    );
  });
});

describe("the next fire time (property)", () => {
  it("is after the instant, and no fire lies between them", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("*/15 * * * *", "0 2 * * *", "30 2 * * 0", "0 0 1 * *", "@hourly"),
        fc.constantFrom("UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"),
        fc.integer({ min: at("2026-01-01T00:00:00Z"), max: at("2027-12-31T00:00:00Z") }),
        (expression, timezone, instant) => {
          const timing = cron(expression, timezone);
          const next = nextFireAfter(timing, instant, 0) as number;
          expect(next).toBeGreaterThan(instant);
          // Asking from just before the fire finds the same fire: none was skipped in between.
          expect(nextFireAfter(timing, next - 1_000, 0)).toBe(next);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("decideFire", () => {
  it("starts whenever the previous task has ended", () => {
    for (const policy of ["skip", "allow", "buffer_one"] as const) expect(decideFire(policy, false, false)).toBe("start");
  });

  it("applies the policy while the previous task runs", () => {
    expect(decideFire("allow", true, false)).toBe("start");
    expect(decideFire("skip", true, false)).toBe("skip");
    expect(decideFire("buffer_one", true, false)).toBe("buffer");
    expect(decideFire("buffer_one", true, true)).toBe("skip");
  });
});

describe("fireIdempotencyKey", () => {
  it("names the schedule and the fire time, and tells a manual fire apart", () => {
    expect(fireIdempotencyKey("ops.nightly", at("2026-01-01T02:00:00Z"))).toBe("schedule:ops.nightly:2026-01-01T02:00:00.000Z");
    expect(fireIdempotencyKey("ops.nightly", at("2026-01-01T02:00:00Z"), true)).toBe(
      "schedule:ops.nightly:2026-01-01T02:00:00.000Z:manual",
    );
  });
});
