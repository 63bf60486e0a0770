import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../../src/engine/nesting";
import { MAX_NESTING_DEPTH } from "../../../src/shared/limits";

function arrays(levels: number, inner: unknown = "leaf"): unknown {
  let value = inner;
  for (let level = 0; level < levels; level++) value = [value];
  return value;
}

describe("nestsDeeperThan", () => {
  it("counts objects and arrays, not scalars", () => {
    expect(nestsDeeperThan("text", 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: [1, { b: null }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: {} }] }, 3)).toBe(true);
  });

  it("allows exactly MAX_NESTING_DEPTH levels by default", () => {
    expect(nestsDeeperThan(arrays(MAX_NESTING_DEPTH))).toBe(false);
    expect(nestsDeeperThan(arrays(MAX_NESTING_DEPTH + 1))).toBe(true);
  });

  it("measures 200,000 levels without a stack overflow", () => {
    expect(nestsDeeperThan(arrays(200_000))).toBe(true);
  });

  it("calls a cycle too deep", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(nestsDeeperThan(cyclic)).toBe(true);
  });

  it("visits a shared subtree again only when it is reached deeper", () => {
    // Forty levels that each point twice at the next: 2^40 paths, few objects.
    let shared: unknown = [];
    for (let level = 0; level < 40; level++) shared = { left: shared, right: shared };
    expect(nestsDeeperThan(shared)).toBe(false);
    // The same subtree (41 levels) first met one level down, then 25 levels down: 66 in all.
    expect(nestsDeeperThan({ shallow: shared, deep: arrays(24, shared) })).toBe(true);
  });
});
