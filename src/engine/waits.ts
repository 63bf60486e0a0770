// Sleep and wait-for-event steps: resolving a wait when it starts, and which events a waiting step accepts.
import { isRecord } from "../shared/values";
import { durationMs, type EventWaitConfig, instantMs, MAX_WAIT_MS, type WaitConfig, type WaitValue } from "../shared/wait-config";

/** What a match field may equal: a scalar of the event's payload. */
export type MatchValue = string | number | boolean;

/** A wait as it started: when a sleep wakes, or which event a step waits for and until when. */
export type WaitPlan =
  | { kind: "sleep"; wakeAt: number }
  | {
      kind: "event";
      event: string;
      match: Record<string, MatchValue>;
      timeoutAt: number | null;
      onTimeout: EventWaitConfig["onTimeout"];
      timeoutResult: unknown;
    };

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

function describe(value: WaitValue): string {
  if ("literal" in value) return JSON.stringify(value.literal);
  const root = value.reference.root === "context" ? "context" : `steps.${value.reference.step}`;
  return [root, ...value.path].join(".");
}

function read(value: WaitValue, context: Record<string, unknown>, ancestorResults: Record<string, unknown>): unknown {
  if ("literal" in value) return value.literal;
  const source = value.reference.root === "context" ? context : ancestorResults[value.reference.step];
  return dig(source, value.path);
}

const isMatchValue = (value: unknown): value is MatchValue =>
  typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean";

/**
 * Resolves a wait when its step starts: references are read from the task's context and the step's
 * ancestors' results. A value that is missing or of the wrong kind is the template's or the
 * caller's mistake: the step fails with `invalid_wait` rather than waiting for ever.
 */
export function planWait(
  config: WaitConfig,
  context: Record<string, unknown>,
  ancestorResults: Record<string, unknown>,
  now: number,
): { ok: true; plan: WaitPlan } | { ok: false; message: string } {
  const duration = (value: WaitValue, key: string): number | string => {
    const ms = durationMs(read(value, context, ancestorResults));
    if (ms === null) return `${key} ${describe(value)} is not a duration ("30s", "15m", "2h", "3d", "1w", or seconds)`;
    if (ms > MAX_WAIT_MS) return `${key} ${describe(value)} is longer than the longest wait, 366 days`;
    return ms;
  };
  if (config.kind === "sleep") {
    if (config.duration) {
      const ms = duration(config.duration, "duration");
      return typeof ms === "string" ? { ok: false, message: ms } : { ok: true, plan: { kind: "sleep", wakeAt: now + ms } };
    }
    if (!config.until) return { ok: false, message: "a sleep step needs a duration or an until" };
    const at = instantMs(read(config.until, context, ancestorResults));
    if (at === null) return { ok: false, message: `until ${describe(config.until)} is not an instant (ISO 8601 or epoch ms)` };
    if (at - now > MAX_WAIT_MS) return { ok: false, message: `until ${describe(config.until)} is more than 366 days away` };
    return { ok: true, plan: { kind: "sleep", wakeAt: Math.max(now, at) } };
  }
  const match: Record<string, MatchValue> = {};
  for (const [field, value] of Object.entries(config.match)) {
    const resolved = read(value, context, ancestorResults);
    if (!isMatchValue(resolved)) {
      return {
        ok: false,
        message: `match.${field} ${describe(value)} is not a string, number or boolean (it is ${JSON.stringify(resolved) ?? "missing"})`,
      };
    }
    match[field] = resolved;
  }
  let timeoutAt: number | null = null;
  if (config.timeout) {
    const ms = duration(config.timeout, "timeout");
    if (typeof ms === "string") return { ok: false, message: ms };
    timeoutAt = now + ms;
  }
  return {
    ok: true,
    plan: {
      kind: "event",
      event: config.event,
      match,
      timeoutAt,
      onTimeout: config.onTimeout,
      timeoutResult: config.timeoutResult,
    },
  };
}

/**
 * The routing key of a match: its field names, sorted, and their values in that order, each as JSON.
 * The event index is keyed by (event name, fields, values), so an event finds its waiting steps with
 * one indexed lookup per set of fields that steps wait on for that name.
 */
export function matchKey(match: Record<string, MatchValue>): { fields: string; values: string } {
  const fields = Object.keys(match).sort();
  return { fields: JSON.stringify(fields), values: JSON.stringify(fields.map((f) => match[f])) };
}

/** The values key an event's payload has for a set of match fields (as `matchKey` writes them); null if it lacks one. */
export function payloadKey(fieldsJson: string, payload: unknown): string | null {
  const fields = JSON.parse(fieldsJson) as string[];
  const values: MatchValue[] = [];
  for (const field of fields) {
    const value = isRecord(payload) && Object.hasOwn(payload, field) ? payload[field] : undefined;
    if (!isMatchValue(value)) return null;
    values.push(value);
  }
  return JSON.stringify(values);
}

/** Whether an event's payload carries every match field with the value the step waits for. */
export function eventMatches(match: Record<string, MatchValue>, payload: unknown): boolean {
  return payloadKey(matchKey(match).fields, payload) === matchKey(match).values;
}
