// When a schedule fires and what each fire does: next fire times (cron in a time zone, or intervals), catch-up after an outage, the overlap policy. Pure.
import { Cron } from "croner";
import type { OverlapPolicy, ScheduleTiming } from "../templates/schedule-spec";

/** A fire that starts within this long of its time is on time; later, it was missed (and `catch_up` decides). */
export const ON_TIME_GRACE_MS = 60_000;
/** Missed fire times older than this are never run late, whatever `catch_up` says. */
export const CATCH_UP_WINDOW_MS = 24 * 3_600_000;
/** Most fire times enumerated in one catch-up (a once-a-minute cron over the whole window). */
const MAX_ENUMERATED = 2_000;

// Parsed cron patterns, kept per isolate: one schedule object computes the same one at every fire.
const patterns = new Map<string, Cron>();
function cronOf(expression: string, timezone: string): Cron {
  const key = `${timezone}\u0000${expression}`;
  let cron = patterns.get(key);
  if (!cron) {
    if (patterns.size >= 256) patterns.clear();
    cron = new Cron(expression, { timezone, paused: true });
    patterns.set(key, cron);
  }
  return cron;
}

/**
 * The first fire time strictly after `after` (ms since the epoch), or null when there is none. A
 * cron reads its fields in `timezone`, with Vixie cron's daylight-saving rules (a wall time that
 * does not exist runs at the first valid time after the gap; a fixed time that occurs twice runs
 * once). An interval fires every `interval_seconds` from `anchor`, whatever the wall clock does.
 */
export function nextFireAfter(timing: ScheduleTiming, after: number, anchor: number): number | null {
  if (timing.interval_seconds !== null) {
    const period = timing.interval_seconds * 1_000;
    if (after < anchor) return anchor;
    return anchor + (Math.floor((after - anchor) / period) + 1) * period;
  }
  if (timing.cron === null) return null;
  // Croner counts whole seconds: a fire at exactly `after` is not strictly after it.
  const next = cronOf(timing.cron, timing.timezone).nextRun(new Date(after));
  return next === null ? null : next.getTime();
}

/** What one alarm does with the fire times that came due: which to run, and how many were missed and dropped. */
export interface DuePlan {
  /** Fire times to run, oldest first: the on-time one and at most `catch_up` missed ones (the latest). */
  run: number[];
  /** Missed fire times dropped by the catch-up bound (fires older than the window are counted as far as enumerated). */
  dropped: number;
  /** The first fire time after `now`: the next alarm. */
  next: number | null;
}

/**
 * The fire times from `due` (the stored next fire) through `now`. The latest is on time if it is
 * within `ON_TIME_GRACE_MS`; every other is missed, and of those only the latest `catchUp` within
 * `CATCH_UP_WINDOW_MS` run, late. So an outage of any length starts at most `catchUp + 1` tasks.
 */
export function planDueFires(timing: ScheduleTiming, due: number, now: number, anchor: number, catchUp: number): DuePlan {
  if (due > now) return { run: [], dropped: 0, next: due };
  const windowStart = now - CATCH_UP_WINDOW_MS;
  const fires: number[] = [];
  let dropped = 0;
  let fire: number | null = due;
  // Fires before the window are dropped without listing them all (a long outage of a frequent schedule).
  if (fire < windowStart) {
    dropped += 1;
    fire = nextFireAfter(timing, windowStart - 1, anchor);
  }
  while (fire !== null && fire <= now && fires.length < MAX_ENUMERATED) {
    fires.push(fire);
    fire = nextFireAfter(timing, fire, anchor);
  }
  if (fire !== null && fire <= now) {
    // More than MAX_ENUMERATED within the window: skip ahead to the fires just before now.
    dropped += fires.length;
    fires.length = 0;
    fire = nextFireAfter(timing, now - ON_TIME_GRACE_MS - 1, anchor);
    while (fire !== null && fire <= now) {
      fires.push(fire);
      fire = nextFireAfter(timing, fire, anchor);
    }
  }
  const last = fires.at(-1);
  const onTime = last !== undefined && now - last <= ON_TIME_GRACE_MS ? [last] : [];
  const missed = onTime.length > 0 ? fires.slice(0, -1) : fires;
  const caughtUp = catchUp > 0 ? missed.slice(-catchUp) : [];
  dropped += missed.length - caughtUp.length;
  return { run: [...caughtUp, ...onTime], dropped, next: fire };
}

/** What a fire does: start a task, drop the fire, or hold it until the running task ends. */
export type FireDecision = "start" | "skip" | "buffer";

/**
 * The overlap policy applied to one fire. `skip` drops a fire while the previous task runs;
 * `allow` always starts; `buffer_one` holds one fire until the previous task ends and drops
 * further ones while one is held.
 */
export function decideFire(policy: OverlapPolicy, previousRunning: boolean, alreadyBuffered: boolean): FireDecision {
  if (!previousRunning || policy === "allow") return "start";
  if (policy === "buffer_one" && !alreadyBuffered) return "buffer";
  return "skip";
}

/**
 * The idempotency key of a fire: the schedule and the fire time, so every delivery of one fire
 * (an alarm run twice, a retried alarm) names the same task and the task's object creates it once.
 */
export function fireIdempotencyKey(scheduleId: string, fireAt: number, manual = false): string {
  return `schedule:${scheduleId}:${new Date(fireAt).toISOString()}${manual ? ":manual" : ""}`;
}
