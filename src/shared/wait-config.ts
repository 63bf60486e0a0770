// Sleep and wait-for-event steps' `handler.initialization`: the language both the template checks and the engine read.
import { SLEEP_HANDLER, WAIT_FOR_EVENT_HANDLER } from "./names";
import { isRecord } from "./values";
/** A problem at a key path (the template loader's TemplateProblem has the same shape). */
export interface WaitConfigProblem {
  path: string;
  message: string;
}

/** The longest a sleep or an event timeout may last (a timer further away is refused when the wait starts). */
export const MAX_WAIT_MS = 366 * 24 * 60 * 60 * 1000;
/** Match fields a wait-for-event step may name. */
export const MAX_MATCH_FIELDS = 8;

/** Event names: letters, digits and `_ . : -`, starting with a letter. */
export const EVENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** `context.<path>` or `steps.<step_name>.<path>`: where a value is read when the wait starts. */
const REFERENCE = /^(context|steps\.[a-z][a-z0-9_]*)(\.[^.]+)+$/;

/** A value given literally in the template, or read when the wait starts. */
export type WaitValue =
  | { literal: unknown }
  | { reference: { root: "context" } | { root: "steps"; step: string }; path: string[] };

export interface SleepConfig {
  kind: "sleep";
  /** Exactly one of the two: a duration (string like `2d`, or seconds), or an instant (ISO 8601, or epoch ms). */
  duration: WaitValue | null;
  until: WaitValue | null;
}

export interface EventWaitConfig {
  kind: "wait_for_event";
  event: string;
  /** Event payload field → the value it must equal. */
  match: Record<string, WaitValue>;
  timeout: WaitValue | null;
  /** What the timeout does: fail the step (`event_timeout`), or complete it with `timeoutResult`. */
  onTimeout: "fail" | "complete";
  timeoutResult: unknown;
}

export type WaitConfig = SleepConfig | EventWaitConfig;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration in ms: `"90s"`, `"15m"`, `"2h"`, `"3d"`, `"1w"`, `"500ms"`, or a number of seconds; null if it is none. */
export function durationMs(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  if (typeof value !== "string") return null;
  const match = DURATION.exec(value.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

/** An instant in epoch ms: an ISO 8601 string with a date, or epoch ms; null if it is none. */
export function instantMs(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function referenceOf(value: string): WaitValue | null {
  if (!REFERENCE.test(value)) return null;
  const [root, ...rest] = value.split(".");
  if (root === "context") return { reference: { root: "context" }, path: rest };
  const [step, ...path] = rest;
  return { reference: { root: "steps", step: step as string }, path };
}

/** A string that looks like a reference is one; anything else is checked by `literalOk`. */
function waitValue(
  raw: unknown,
  path: string,
  literalOk: (value: unknown) => boolean,
  expected: string,
  problems: WaitConfigProblem[],
): WaitValue | null {
  if (typeof raw === "string" && (raw.startsWith("context.") || raw.startsWith("steps."))) {
    const reference = referenceOf(raw);
    if (!reference)
      problems.push({ path, message: `must be "context.<path>" or "steps.<step_name>.<path>", not ${JSON.stringify(raw)}` });
    return reference;
  }
  if (!literalOk(raw)) {
    problems.push({ path, message: `must be ${expected}, or "context.<path>" / "steps.<step_name>.<path>" to read one` });
    return null;
  }
  return { literal: raw };
}

const DURATION_TEXT = 'a duration ("30s", "15m", "2h", "3d", "1w") or a number of seconds';

function durationLiteralOk(value: unknown): boolean {
  const ms = durationMs(value);
  return ms !== null && ms <= MAX_WAIT_MS;
}

const isScalar = (value: unknown) => typeof value === "string" || typeof value === "number" || typeof value === "boolean";

function unknownKeys(initialization: Record<string, unknown>, known: readonly string[], problems: WaitConfigProblem[]): void {
  for (const key of Object.keys(initialization)) {
    if (!known.includes(key)) problems.push({ path: key, message: `is not a key of this step (it takes ${known.join(", ")})` });
  }
}

/** Reads a sleep step's initialization; problems carry paths relative to `handler.initialization`. */
export function parseSleepConfig(
  initialization: Record<string, unknown>,
): { ok: true; config: SleepConfig } | { ok: false; problems: WaitConfigProblem[] } {
  const problems: WaitConfigProblem[] = [];
  unknownKeys(initialization, ["duration", "until"], problems);
  const { duration, until } = initialization;
  if ((duration === undefined) === (until === undefined)) {
    problems.push({ path: "duration", message: "a sleep step takes exactly one of duration or until" });
  }
  const config: SleepConfig = {
    kind: "sleep",
    duration:
      duration === undefined
        ? null
        : waitValue(duration, "duration", durationLiteralOk, `${DURATION_TEXT}, at most 366 days`, problems),
    until:
      until === undefined
        ? null
        : waitValue(
            until,
            "until",
            (v) => typeof v === "string" && instantMs(v) !== null,
            'an ISO 8601 instant ("2026-12-01T09:00:00Z")',
            problems,
          ),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** Reads a wait-for-event step's initialization; problems carry paths relative to `handler.initialization`. */
export function parseEventWaitConfig(
  initialization: Record<string, unknown>,
): { ok: true; config: EventWaitConfig } | { ok: false; problems: WaitConfigProblem[] } {
  const problems: WaitConfigProblem[] = [];
  unknownKeys(initialization, ["event", "match", "timeout", "on_timeout", "timeout_result"], problems);
  const { event, match, timeout, on_timeout: onTimeout = "fail", timeout_result: timeoutResult } = initialization;
  if (typeof event !== "string" || !EVENT_NAME_PATTERN.test(event)) {
    problems.push({ path: "event", message: "is required: the event's name (a letter, then letters, digits, _ . : -)" });
  }
  const fields: Record<string, WaitValue> = {};
  if (match !== undefined) {
    if (!isRecord(match))
      problems.push({ path: "match", message: "must map event payload fields to the values they must equal" });
    else {
      if (Object.keys(match).length > MAX_MATCH_FIELDS)
        problems.push({ path: "match", message: `names at most ${MAX_MATCH_FIELDS} fields` });
      for (const [field, raw] of Object.entries(match)) {
        if (!FIELD_PATTERN.test(field)) {
          problems.push({ path: `match.${field}`, message: "must be a payload field name (letters, digits, _)" });
          continue;
        }
        const value = waitValue(raw, `match.${field}`, isScalar, "a string, number or boolean", problems);
        if (value) fields[field] = value;
      }
    }
  }
  if (onTimeout !== "fail" && onTimeout !== "complete") {
    problems.push({
      path: "on_timeout",
      message: 'must be "fail" (the step fails with event_timeout) or "complete" (with timeout_result)',
    });
  }
  if (timeoutResult !== undefined && onTimeout !== "complete") {
    problems.push({ path: "timeout_result", message: 'is the result of a timed-out step with on_timeout: "complete"' });
  }
  if (onTimeout === "complete" && timeout === undefined) {
    problems.push({ path: "on_timeout", message: "needs a timeout: without one the step waits until its event comes" });
  }
  const config: EventWaitConfig = {
    kind: "wait_for_event",
    event: event as string,
    match: fields,
    timeout:
      timeout === undefined
        ? null
        : waitValue(timeout, "timeout", durationLiteralOk, `${DURATION_TEXT}, at most 366 days`, problems),
    onTimeout: onTimeout === "complete" ? "complete" : "fail",
    timeoutResult: timeoutResult === undefined ? { timed_out: true } : timeoutResult,
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** The wait a step's handler asks for, or null when the step runs a handler (or its config is invalid). */
export function waitConfigOf(handler: { callable: string; initialization: Record<string, unknown> }): WaitConfig | null {
  if (handler.callable === SLEEP_HANDLER) {
    const parsed = parseSleepConfig(handler.initialization);
    return parsed.ok ? parsed.config : null;
  }
  if (handler.callable === WAIT_FOR_EVENT_HANDLER) {
    const parsed = parseEventWaitConfig(handler.initialization);
    return parsed.ok ? parsed.config : null;
  }
  return null;
}

/** The steps a wait's values read (`steps.<name>…`), for the check that each is an ancestor. */
export function stepsReadBy(config: WaitConfig): string[] {
  const values = config.kind === "sleep" ? [config.duration, config.until] : [...Object.values(config.match), config.timeout];
  return values.flatMap((v) => (v && "reference" in v && v.reference.root === "steps" ? [v.reference.step] : []));
}
