// The dependency graph of steps, known only by name and dependency names: a stable order, children, descendants.

/** Anything with a name and dependency names, e.g. a normalised StepDefinition. */
export interface OrderableStep {
  name: string;
  dependencies: readonly string[];
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`index ${index} is out of range`);
  return item;
}

/**
 * Orders steps so that every step comes after its dependencies; among steps that are ready at the
 * same time, template order wins, so the result is stable. Throws on unknown dependencies, duplicate
 * names or a cycle (validated templates have none of these).
 */
export function topologicalOrder<T extends OrderableStep>(steps: readonly T[]): T[] {
  const indexByName = new Map<string, number>();
  steps.forEach((step, i) => {
    if (indexByName.has(step.name)) throw new Error(`duplicate step name "${step.name}"`);
    indexByName.set(step.name, i);
  });
  const children: number[][] = steps.map(() => []);
  const waitingOn = steps.map((step, i) => {
    const dependencies = new Set(step.dependencies);
    for (const dependency of dependencies) {
      const parent = indexByName.get(dependency);
      if (parent === undefined) throw new Error(`step "${step.name}" depends on unknown step "${dependency}"`);
      at(children, parent).push(i);
    }
    return dependencies.size;
  });
  // Ready indexes kept in descending order, so pop() yields the earliest step in template order.
  const ready = waitingOn.flatMap((count, i) => (count === 0 ? [i] : [])).reverse();
  const order: T[] = [];
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    order.push(at(steps, next));
    for (const child of at(children, next)) {
      const remaining = at(waitingOn, child) - 1;
      waitingOn[child] = remaining;
      if (remaining === 0) insertDescending(ready, child);
    }
  }
  if (order.length !== steps.length) {
    const stuck = steps.filter((_, i) => at(waitingOn, i) > 0).map((step) => step.name);
    throw new Error(`steps ${stuck.join(", ")} are in or behind a dependency cycle`);
  }
  return order;
}

function insertDescending(list: number[], value: number): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (at(list, middle) > value) low = middle + 1;
    else high = middle;
  }
  list.splice(low, 0, value);
}

/** Each step's direct children, by name. */
export function childrenByName(steps: readonly OrderableStep[]): Map<string, string[]> {
  const children = new Map<string, string[]>(steps.map((s) => [s.name, []]));
  for (const step of steps) for (const parent of step.dependencies) children.get(parent)?.push(step.name);
  return children;
}

/** Every step below `name`, however deep. */
export function descendantsOf(name: string, children: Map<string, string[]>): Set<string> {
  const found = new Set<string>();
  const pending = [...(children.get(name) ?? [])];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (found.has(next)) continue;
    found.add(next);
    pending.push(...(children.get(next) ?? []));
  }
  return found;
}
