import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topologicalOrder } from "../../../src/templates/graph";
import { validateTemplate } from "../../../src/templates/loader";
import { step, template } from "./helpers";

/** A random DAG: step i may depend only on steps created before it, then the steps are shuffled. */
const dagArbitrary = fc
  .integer({ min: 1, max: 25 })
  .chain((size) =>
    fc.record({
      parents: fc.tuple(...Array.from({ length: size }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j)))),
      order: fc.shuffledSubarray(
        Array.from({ length: size }, (_, i) => i),
        { minLength: size, maxLength: size },
      ),
    }),
  )
  .map(({ parents, order }) => ({
    parents: parents as number[][],
    steps: order.map((i) => step(`step_${i}`, { dependencies: (parents[i] ?? []).map((j) => `step_${j}`) })),
  }));

/** Follows random dependency edges from a step that has any, giving a path `from → … → to` with to ≠ from. */
const withDependencyPath = dagArbitrary
  .filter(({ parents }) => parents.some((p) => p.length > 0))
  .chain((dag) =>
    fc
      .tuple(fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 25 }), fc.nat({ max: 24 }))
      .map(([startPick, picks, lengthPick]) => {
        const starts = dag.parents.flatMap((p, i) => (p.length > 0 ? [i] : []));
        const from = starts[startPick % starts.length] ?? 0;
        let to = from;
        for (const pick of picks.slice(0, 1 + (lengthPick % picks.length))) {
          const next = dag.parents[to] ?? [];
          if (next.length === 0) break;
          to = next[pick % next.length] ?? to;
        }
        return { ...dag, from, to };
      }),
  );

describe("template graphs (property)", () => {
  it("every DAG validates, and topologicalOrder places each step after its dependencies", () => {
    fc.assert(
      fc.property(dagArbitrary, ({ steps }) => {
        const result = validateTemplate(template(steps));
        expect(result.ok ? [] : result.problems).toEqual([]);
        if (!result.ok) return;
        const order = topologicalOrder(result.template.steps);
        expect(order).toHaveLength(steps.length);
        const position = new Map(order.map((s, i) => [s.name, i]));
        for (const s of result.template.steps) {
          for (const dependency of s.dependencies) expect(position.get(dependency)).toBeLessThan(position.get(s.name) ?? -1);
        }
      }),
    );
  });

  it("adding a back edge always yields a cycle problem that names a real cycle, and nothing else", () => {
    fc.assert(
      fc.property(withDependencyPath, ({ steps, from, to }) => {
        // `from` reaches `to` through dependencies, so `to` depending on `from` closes a loop.
        const withBackEdge = steps.map((s) =>
          s.name === `step_${to}` ? { ...s, dependencies: [...(s.dependencies as string[]), `step_${from}`] } : s,
        );
        const result = validateTemplate(template(withBackEdge));
        expect(result.ok).toBe(false);
        if (result.ok) return;
        // One added edge creates one strongly connected group, reported once.
        expect(result.problems).toHaveLength(1);
        const [problem] = result.problems;
        expect(problem?.message).toMatch(/^cycle: /);
        const cycle = (problem?.message ?? "")
          .replace(/^cycle: /, "")
          .replace(/ \(.*\)$/, "")
          .split(" → ");
        expect(cycle[0]).toBe(cycle.at(-1));
        const edges = new Set(withBackEdge.flatMap((s) => (s.dependencies as string[]).map((d) => `${s.name}>${d}`)));
        const cycleEdges = cycle.slice(1).map((name, i) => `${cycle[i]}>${name}`);
        for (const edge of cycleEdges) expect(edges.has(edge)).toBe(true);
        expect(cycleEdges).toContain(`step_${to}>step_${from}`);
        // The cycle starts at its step that comes first in the template, and points at that step's dependencies.
        const indexes = cycle.map((name) => withBackEdge.findIndex((s) => s.name === name));
        expect(indexes[0]).toBe(Math.min(...indexes));
        expect(problem?.path).toBe(`steps[${indexes[0]}].dependencies`);
      }),
    );
  });
});
