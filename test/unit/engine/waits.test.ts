import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventMatches, matchKey, payloadKey, planWait } from "../../../src/engine/waits";
import { parseEventWaitConfig, parseSleepConfig } from "../../../src/shared/wait-config";

const sleepConfig = (init: Record<string, unknown>) => {
  const parsed = parseSleepConfig(init);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
};
const eventConfig = (init: Record<string, unknown>) => {
  const parsed = parseEventWaitConfig(init);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
};
const NOW = Date.UTC(2026, 10, 29, 12);

describe("planWait", () => {
  it("wakes a sleep after its duration, or at its instant, read from the context or an ancestor's result", () => {
    expect(planWait(sleepConfig({ duration: "2d" }), {}, {}, NOW)).toEqual({
      ok: true,
      plan: { kind: "sleep", wakeAt: NOW + 2 * 86_400_000 },
    });
    expect(planWait(sleepConfig({ until: "context.ship.date" }), { ship: { date: "2026-12-01T00:00:00Z" } }, {}, NOW)).toEqual({
      ok: true,
      plan: { kind: "sleep", wakeAt: Date.UTC(2026, 11, 1) },
    });
    expect(planWait(sleepConfig({ duration: "steps.quote.hold" }), {}, { quote: { hold: "1h" } }, NOW)).toEqual({
      ok: true,
      plan: { kind: "sleep", wakeAt: NOW + 3_600_000 },
    });
  });

  it("wakes at once for an instant already past, and refuses what cannot be read", () => {
    expect(planWait(sleepConfig({ until: "2020-01-01T00:00:00Z" }), {}, {}, NOW)).toEqual({
      ok: true,
      plan: { kind: "sleep", wakeAt: NOW },
    });
    const missing = planWait(sleepConfig({ until: "context.ship_date" }), {}, {}, NOW);
    expect(missing).toEqual({ ok: false, message: "until context.ship_date is not an instant (ISO 8601 or epoch ms)" });
    expect(planWait(sleepConfig({ duration: "context.wait" }), { wait: "999d" }, {}, NOW).ok).toBe(false);
    expect(planWait(sleepConfig({ until: "context.at" }), { at: NOW + 400 * 86_400_000 }, {}, NOW).ok).toBe(false);
  });

  it("resolves an event wait's match values and timeout; a match value that is not a scalar fails it", () => {
    const config = eventConfig({ event: "decision", match: { expense_id: "context.id", kind: "travel" }, timeout: "3d" });
    expect(planWait(config, { id: "EXP-1" }, {}, NOW)).toEqual({
      ok: true,
      plan: {
        kind: "event",
        event: "decision",
        match: { expense_id: "EXP-1", kind: "travel" },
        timeoutAt: NOW + 3 * 86_400_000,
        onTimeout: "fail",
        timeoutResult: { timed_out: true },
      },
    });
    expect(planWait(config, { id: { nested: 1 } }, {}, NOW).ok).toBe(false);
    expect(planWait(config, {}, {}, NOW).ok).toBe(false);
  });
});

describe("event matching", () => {
  it("matches when every match field of the payload equals the wait's value, type included", () => {
    expect(eventMatches({ id: "A" }, { id: "A", extra: 1 })).toBe(true);
    expect(eventMatches({ id: "A" }, { id: "B" })).toBe(false);
    expect(eventMatches({ id: 1 }, { id: "1" })).toBe(false);
    expect(eventMatches({ id: "A" }, {})).toBe(false);
    expect(eventMatches({}, null)).toBe(true);
  });

  it("the index key of a payload equals the wait's key exactly when the event matches (any field order)", () => {
    const scalar = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), scalar, { maxKeys: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), scalar),
        (match, extra) => {
          const payload = { ...extra, ...match };
          const key = matchKey(match);
          expect(payloadKey(key.fields, payload)).toBe(key.values);
          expect(eventMatches(match, payload)).toBe(true);
          const reversed = Object.fromEntries(Object.entries(match).reverse());
          expect(matchKey(reversed)).toEqual(key);
        },
      ),
    );
  });
});
