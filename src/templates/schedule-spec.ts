// What a schedule says (cron with a time zone, or a fixed interval; context, overlap, catch-up), as a template declares it and the API takes it.
import { Cron } from "croner";
import { z } from "zod";
import { NAME_PATTERN } from "../shared/names";

/** What a fire does while the previous task of the schedule still runs. */
export type OverlapPolicy = "skip" | "allow" | "buffer_one";
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ["skip", "allow", "buffer_one"];

/** Bounds of a schedule, shared by the template language, the API and the tests. */
export const SCHEDULE_LIMITS = {
  /** Schedules one template may declare. */
  perTemplate: 10,
  /** Longest schedule name (a URL segment, with the namespace and template name). */
  nameLength: 64,
  /** Shortest and longest fixed interval. */
  minIntervalSeconds: 10,
  maxIntervalSeconds: 366 * 24 * 3_600,
  /** Most missed fire times run late after an outage (`catch_up`). */
  maxCatchUp: 10,
  cronLength: 200,
} as const;
export const DEFAULT_CATCH_UP = 1;
export const DEFAULT_TIMEZONE = "UTC";

/** When a schedule fires: exactly one of a cron expression (read in `timezone`) or a fixed interval. */
export interface ScheduleTiming {
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
}

/** A schedule as a template declares it under `schedules:`, every default applied. */
export interface TemplateSchedule extends ScheduleTiming {
  name: string;
  context: Record<string, unknown>;
  overlap: OverlapPolicy;
  catch_up: number;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `90s`, `15m`, `2h`, `1d` (or a number of seconds) in seconds; null when it is not one of those. */
export function parseInterval(value: string | number): number | null {
  if (typeof value === "number") return Number.isInteger(value) ? value : null;
  const match = /^(\d{1,9})(s|m|h|d)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) return null;
  return Number(match[1]) * (UNITS[match[2]] ?? 0);
}

/** Whether the runtime knows the IANA time zone (`Europe/Paris`, `UTC`). */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a cron expression is refused, or null. Five fields (minute hour day-of-month month
 * day-of-week) or a nickname such as `@daily`: a schedule fires at most once a minute.
 */
export function cronProblem(expression: string): string | null {
  const trimmed = expression.trim();
  if (!trimmed.startsWith("@") && trimmed.split(/\s+/).length !== 5) {
    return "must have five fields (minute hour day-of-month month day-of-week) or be a nickname such as @daily";
  }
  try {
    new Cron(trimmed, { paused: true });
    return null;
  } catch (error) {
    return `is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The timing keys of a schedule, shared by the template's `schedules:` entries and `POST /v1/schedules`. */
export const scheduleTimingShape = {
  cron: z
    .string()
    .max(SCHEDULE_LIMITS.cronLength)
    .superRefine((value, ctx) => {
      const problem = cronProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  interval: z
    .union([z.string().max(20), z.number()])
    .superRefine((value, ctx) => {
      const seconds = parseInterval(value);
      const { minIntervalSeconds: min, maxIntervalSeconds: max } = SCHEDULE_LIMITS;
      if (seconds === null) ctx.addIssue({ code: "custom", message: "must be a duration such as 30s, 15m, 2h or 1d" });
      else if (seconds < min || seconds > max) ctx.addIssue({ code: "custom", message: `must be between ${min}s and ${max}s` });
    })
    .optional(),
  timezone: z.string().max(64).refine(isKnownTimeZone, "is not a known IANA time zone (such as Europe/Paris or UTC)").optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  overlap: z.enum(OVERLAP_POLICIES).optional(),
  catch_up: z.number().int().min(0).max(SCHEDULE_LIMITS.maxCatchUp).optional(),
};

/** Exactly one of `cron` and `interval`, and `timezone` only with `cron`. */
export function checkTimingChoice(
  value: { cron?: string | undefined; interval?: string | number | undefined; timezone?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((value.cron === undefined) === (value.interval === undefined)) {
    ctx.addIssue({ code: "custom", path: ["cron"], message: "a schedule needs exactly one of cron and interval" });
  } else if (value.interval !== undefined && value.timezone !== undefined) {
    ctx.addIssue({ code: "custom", path: ["timezone"], message: "applies to cron only: an interval counts real seconds" });
  }
}

/** The normalised timing of validated keys. */
export function timingOf(value: {
  cron?: string | undefined;
  interval?: string | number | undefined;
  timezone?: string | undefined;
}): ScheduleTiming {
  return {
    cron: value.cron?.trim() ?? null,
    interval_seconds: value.interval === undefined ? null : parseInterval(value.interval),
    timezone: value.cron === undefined ? DEFAULT_TIMEZONE : (value.timezone ?? DEFAULT_TIMEZONE),
  };
}

/** One entry of a template's `schedules:` list. */
export const TemplateScheduleSchema = z
  .strictObject({
    name: z
      .string()
      .max(SCHEDULE_LIMITS.nameLength)
      .regex(NAME_PATTERN, "must start with a lowercase letter, then lowercase letters, digits or _"),
    ...scheduleTimingShape,
  })
  .superRefine(checkTimingChoice)
  .transform(
    (schedule): TemplateSchedule => ({
      name: schedule.name,
      ...timingOf(schedule),
      context: schedule.context ?? {},
      overlap: schedule.overlap ?? "skip",
      catch_up: schedule.catch_up ?? DEFAULT_CATCH_UP,
    }),
  );

/** The keys a template's schedule entry accepts, for "did you mean …?" answers. */
export const TEMPLATE_SCHEDULE_KEYS: readonly string[] = ["name", ...Object.keys(scheduleTimingShape)];
