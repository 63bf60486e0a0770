import { describe, expect, it } from "vitest";
import { checkGraph, topologicalOrder } from "../../../src/templates/graph";
import { loadFile } from "./helpers";

const s = (name: string, ...dependencies: string[]) => ({ name, dependencies });
const names = (steps: { name: string }[]) => steps.map((step) => step.name);

describe("topologicalOrder", () => {
  it("puts every step after its dependencies", () => {
    const order = names(
      topologicalOrder([s("report", "revenue", "stats"), s("revenue", "extract"), s("stats", "extract"), s("extract")]),
    );
    expect(order).toEqual(["extract", "revenue", "stats", "report"]);
  });

  it("keeps template order among the steps that are ready at the same time", () => {
    // a and c are ready first; a wins. Then b and c are ready; b wins (index 2 < 3), which releases d (index 0).
    expect(names(topologicalOrder([s("d", "b"), s("a"), s("b", "a"), s("c")]))).toEqual(["a", "b", "d", "c"]);
  });

  it("returns the template order unchanged when it is already topological", () => {
    const order = loadFile("examples/orchestrator/templates/analytics/sales_report.yaml").steps;
    expect(topologicalOrder(order)).toEqual(order);
  });

  it("returns the same objects, not copies, and ignores a repeated dependency", () => {
    const steps = [s("b", "a", "a"), s("a")];
    const order = topologicalOrder(steps);
    expect(order[0]).toBe(steps[1]);
    expect(order[1]).toBe(steps[0]);
  });

  it("throws on a cycle, an unknown dependency or a duplicate name", () => {
    expect(() => topologicalOrder([s("a", "b"), s("b", "a"), s("c", "a"), s("d")])).toThrow(
      "steps a, b, c are in or behind a dependency cycle",
    );
    expect(() => topologicalOrder([s("a", "ghost")])).toThrow('step "a" depends on unknown step "ghost"');
    expect(() => topologicalOrder([s("a"), s("a")])).toThrow('duplicate step name "a"');
  });

  it("handles long chains without deep recursion", () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => (i === 0 ? s("s0") : s(`s${i}`, `s${i - 1}`))).reverse();
    const order = names(topologicalOrder(chain));
    expect(order[0]).toBe("s0");
    expect(order.at(-1)).toBe("s19999");
  });
});

describe("checkGraph", () => {
  it("skips steps without a usable name and dependency entries that are not strings", () => {
    expect(
      checkGraph([
        { name: undefined, dependenciesKey: "dependencies", dependencies: ["a"] },
        { name: "a", dependenciesKey: "depends_on", dependencies: [undefined, "ghost"] },
      ]),
    ).toEqual([{ path: "steps[1].depends_on[1]", message: 'depends on unknown step "ghost"' }]);
  });

  it("finds a cycle in a long chain without deep recursion", () => {
    const length = 20_000;
    const steps = Array.from({ length }, (_, i) => ({
      name: `s${i}`,
      dependenciesKey: "dependencies" as const,
      dependencies: [`s${(i + 1) % length}`],
    }));
    const problems = checkGraph(steps);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe("steps[0].dependencies");
    expect(problems[0]?.message).toMatch(/^cycle: s0 → s1 → s2 → .* → s19999 → s0$/);
  });
});
