import { describe, expect, it } from "vitest";
import { ALLOWANCE_TTL_MS, Allowances, MAX_HELD_BUDGETS } from "../../../src/rate-limit/allowances";

describe("Allowances", () => {
  it("spends held tokens one at a time, then asks again", () => {
    const held = new Allowances();
    expect(held.spend("ci", 0)).toBe(false);
    held.keep("ci", 2, 0);
    expect([held.spend("ci", 1), held.spend("ci", 2), held.spend("ci", 3)]).toEqual([true, true, false]);
  });

  it("keeps budgets apart: a caller's write tokens are not its creation tokens, nor another caller's", () => {
    const held = new Allowances();
    held.keep("ci|writes", 1, 0);
    expect(held.spend("ci|writes+task_creates", 0)).toBe(false);
    expect(held.spend("ops|writes", 0)).toBe(false);
    expect(held.spend("ci|writes", 0)).toBe(true);
  });

  it("drops tokens not spent in time", () => {
    const held = new Allowances();
    held.keep("ci", 5, 0);
    expect(held.spend("ci", ALLOWANCE_TTL_MS - 1)).toBe(true);
    expect(held.spend("ci", ALLOWANCE_TTL_MS)).toBe(false);
    expect(held.spend("ci", ALLOWANCE_TTL_MS + 1)).toBe(false);
  });

  it("adds a new grant to the unexpired tokens and renews them", () => {
    const held = new Allowances();
    held.keep("ci", 1, 0);
    held.keep("ci", 1, ALLOWANCE_TTL_MS - 1);
    expect(held.spend("ci", ALLOWANCE_TTL_MS + 5)).toBe(true);
    expect(held.spend("ci", ALLOWANCE_TTL_MS + 5)).toBe(true);
    expect(held.spend("ci", ALLOWANCE_TTL_MS + 5)).toBe(false);
  });

  it(`holds at most ${MAX_HELD_BUDGETS} budgets, dropping the oldest`, () => {
    const held = new Allowances();
    for (let i = 0; i <= MAX_HELD_BUDGETS; i++) held.keep(`caller-${i}`, 1, 0);
    expect(held.spend("caller-0", 0)).toBe(false);
    expect(held.spend(`caller-${MAX_HELD_BUDGETS}`, 0)).toBe(true);
    expect(held.spend("caller-1", 0)).toBe(true);
  });
});
