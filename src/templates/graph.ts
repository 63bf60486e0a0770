// The dependency graph of a template's steps: duplicate, unknown and self dependencies, cycles, and a stable order.
import { formatPath } from "./paths";
import type { TemplateProblem } from "./types";

export { type OrderableStep, topologicalOrder } from "../shared/step-graph";

/** What the graph checks need from one step, read leniently so they run even when other fields are malformed. */
export interface GraphStep {
  /** Undefined when the step has no usable name (the schema reports that). */
  name: string | undefined;
  /** The key the author wrote the dependencies under, so problems point at that key. */
  dependenciesKey: "dependencies" | "depends_on";
  /** Entries that are not strings are undefined (the schema reports those). */
  dependencies: readonly (string | undefined)[];
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`index ${index} is out of range`);
  return item;
}

/** Reports every graph problem of the steps, each at the path of the offending key. */
export function checkGraph(steps: readonly GraphStep[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const indexByName = new Map<string, number>();
  steps.forEach((step, i) => {
    if (step.name === undefined) return;
    const first = indexByName.get(step.name);
    if (first === undefined) indexByName.set(step.name, i);
    else
      problems.push({
        path: formatPath(["steps", i, "name"]),
        message: `duplicate step name "${step.name}" (also steps[${first}])`,
      });
  });

  // parents[i]: indexes of the steps that step i depends on, each once.
  const parents: number[][] = steps.map((step, i) => {
    const seen = new Set<string>();
    const resolved: number[] = [];
    step.dependencies.forEach((dependency, j) => {
      if (dependency === undefined) return;
      const path = formatPath(["steps", i, step.dependenciesKey, j]);
      const parent = indexByName.get(dependency);
      if (dependency === step.name) {
        problems.push({ path, message: `step "${dependency}" depends on itself` });
      } else if (seen.has(dependency)) {
        problems.push({ path, message: `"${dependency}" is listed more than once` });
      } else if (parent === undefined) {
        problems.push({ path, message: `depends on unknown step "${dependency}"` });
      } else {
        resolved.push(parent);
      }
      seen.add(dependency);
    });
    return resolved;
  });

  for (const component of stronglyConnectedComponents(parents)) {
    if (component.length < 2) continue;
    const start = component.reduce((a, b) => Math.min(a, b));
    const cycle = shortestCycleThrough(start, new Set(component), parents);
    const onCycle = new Set(cycle);
    const name = (index: number) => steps[index]?.name ?? `steps[${index}]`;
    const others = component.filter((index) => !onCycle.has(index)).sort((a, b) => a - b);
    const first = at(cycle, 0);
    problems.push({
      path: formatPath(["steps", first, at(steps, first).dependenciesKey]),
      message:
        `cycle: ${[...cycle, first].map(name).join(" → ")}` +
        (others.length > 0
          ? ` (${others.map(name).join(", ")} ${others.length === 1 ? "is" : "are"} caught in the same loop)`
          : ""),
    });
  }
  return problems;
}

/** Tarjan's algorithm, iterative so that long dependency chains cannot overflow the call stack. */
function stronglyConnectedComponents(edges: readonly (readonly number[])[]): number[][] {
  const nodes = edges.map(() => ({ index: -1, low: 0, onStack: false }));
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const visit = (node: number) => {
    const state = at(nodes, node);
    state.index = state.low = counter++;
    state.onStack = true;
    stack.push(node);
  };
  for (let root = 0; root < edges.length; root++) {
    if (at(nodes, root).index !== -1) continue;
    visit(root);
    const work = [{ node: root, next: 0 }];
    for (let frame = work.at(-1); frame !== undefined; frame = work.at(-1)) {
      const state = at(nodes, frame.node);
      const targets = at(edges, frame.node);
      if (frame.next < targets.length) {
        const target = at(targets, frame.next++);
        const targetState = at(nodes, target);
        if (targetState.index === -1) {
          visit(target);
          work.push({ node: target, next: 0 });
        } else if (targetState.onStack) {
          state.low = Math.min(state.low, targetState.index);
        }
        continue;
      }
      work.pop();
      const caller = work.at(-1);
      if (caller) at(nodes, caller.node).low = Math.min(at(nodes, caller.node).low, state.low);
      if (state.low === state.index) {
        const component: number[] = [];
        for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
          at(nodes, member).onStack = false;
          component.push(member);
          if (member === frame.node) break;
        }
        components.push(component);
      }
    }
  }
  return components;
}

/** Breadth-first search inside one component: the shortest loop from `start` back to itself, in edge order. */
function shortestCycleThrough(start: number, component: ReadonlySet<number>, edges: readonly (readonly number[])[]): number[] {
  const previous = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = at(queue, head);
    for (const target of at(edges, node)) {
      if (target === start) {
        const cycle = [node];
        for (let step = previous.get(node); step !== undefined; step = previous.get(step)) cycle.push(step);
        return cycle.reverse();
      }
      if (component.has(target) && !previous.has(target) && target !== start) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  throw new Error(`step ${start} is in a strongly connected component but on no cycle`);
}
