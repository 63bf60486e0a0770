import { describe, expect, it } from "vitest";
import { differingPaths } from "../../../src/templates/diff";

describe("differingPaths", () => {
  it("finds nothing between equal values, whatever their key order", () => {
    expect(differingPaths({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual([]);
  });

  it("names changed, added and removed keys with template-style paths", () => {
    const before = { name: "t", steps: [{ name: "a", retry: { max_attempts: 3 } }, { name: "b" }] };
    const after = { name: "t", description: "new", steps: [{ name: "a", retry: { max_attempts: 5 } }] };
    expect(differingPaths(before, after)).toEqual(["description", "steps[0].retry.max_attempts", "steps[1]"]);
  });

  it("stops at the limit", () => {
    const a = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(differingPaths(a, {}, 5)).toHaveLength(5);
  });

  it("reports a whole-value difference as (template)", () => {
    expect(differingPaths(1, 2)).toEqual(["(template)"]);
  });
});
