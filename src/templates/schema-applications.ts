// How often an input_schema's subschemas can be applied to one value of a context: loops that never descend are refused, and so is fan-out.
//
// The validator applies a schema to a value by recursion: in place (`$ref`, `allOf`, `anyOf`,
// `oneOf`, `not`, `if`/`then`/`else`, `dependentSchemas`) and to the value's children
// (`properties`, `items`, …). Two shapes make that recursion unbounded or exponential whatever the
// context's size: an in-place loop (`{"$ref": "#"}`) never ends, and a schema that reaches the same
// child through two branches (`allOf: [{properties: {x: {$ref: "#"}}}, {properties: {x: {$ref: "#"}}}]`)
// doubles its work at every level (20 levels: 10 s). This module simulates the validator on the
// schema alone: for each kind of child (each property name the schema mentions, any other name,
// each item index, any other index) it follows which subschemas would apply, counting every way
// they are reached, until the sets repeat. A schema is accepted only if no value can have more than
// MAX_SCHEMA_APPLICATIONS_PER_VALUE subschemas applied to it, so validation costs at most that
// many applications per value of the context: linear in the context's size. The longest chain of
// in-place applications also bounds how deeply the validator recurses (MAX_VALIDATION_RECURSION).
import { MAX_NESTING_DEPTH } from "../shared/limits";
import { isRecord } from "../shared/values";
import type { TemplateProblem } from "./types";

/** Most subschemas the validator may apply to one value of a context (counting every way it reaches them). */
export const MAX_SCHEMA_APPLICATIONS_PER_VALUE = 1_000;
/**
 * Deepest recursion the validator may reach (its calls, nested) over a context nested
 * MAX_NESTING_DEPTH levels. Its frames are large: the Workers runtime has overflowed after ~700 of
 * them before the function was optimised, and Node (the unit tests) after ~500.
 */
export const MAX_VALIDATION_RECURSION = 400;
/** Subschemas the check may follow, over all the kinds of value it explores, before it calls a schema too complex. */
export const MAX_SCHEMA_ANALYSIS = 250_000;

export type SchemaNode = Record<string, unknown> | boolean;

type Label =
  | { kind: "property"; name: string }
  | { kind: "other_properties"; except: ReadonlySet<string> }
  | { kind: "any_property" }
  | { kind: "items_from"; from: number }
  | { kind: "item"; index: number }
  | { kind: "key" };

interface NodeEdges {
  /** Subschemas applied to the same value, with the key (relative to the node) that applies each. */
  inPlace: { key: PropertyKey[]; target: SchemaNode }[];
  /** Subschemas applied to a child of the value, and which children. */
  children: { label: Label; target: SchemaNode }[];
}

const IN_PLACE_SINGLE = ["not", "if", "then", "else"] as const;
const IN_PLACE_LISTS = ["allOf", "anyOf", "oneOf"] as const;

const isSchema = (value: unknown): value is SchemaNode => typeof value === "boolean" || isRecord(value);

/** The edges of one schema object, as the validator would follow them. */
function edgesOf(node: Record<string, unknown>, resolve: (node: Record<string, unknown>) => SchemaNode[]): NodeEdges {
  const inPlace: NodeEdges["inPlace"] = resolve(node).map((target) => ({ key: ["$ref"], target }));
  for (const key of IN_PLACE_SINGLE) if (isSchema(node[key])) inPlace.push({ key: [key], target: node[key] });
  for (const key of IN_PLACE_LISTS) {
    const list = node[key];
    if (Array.isArray(list))
      for (const [i, target] of list.entries()) if (isSchema(target)) inPlace.push({ key: [key, i], target });
  }
  for (const key of ["dependentSchemas", "dependencies"] as const) {
    const map = node[key];
    if (isRecord(map))
      for (const [name, target] of Object.entries(map)) if (isSchema(target)) inPlace.push({ key: [key, name], target });
  }

  const children: NodeEdges["children"] = [];
  const properties = isRecord(node.properties) ? node.properties : {};
  for (const [name, target] of Object.entries(properties))
    if (isSchema(target)) children.push({ label: { kind: "property", name }, target });
  if (isRecord(node.patternProperties)) {
    for (const target of Object.values(node.patternProperties))
      if (isSchema(target)) children.push({ label: { kind: "any_property" }, target });
  }
  if (isSchema(node.additionalProperties)) {
    children.push({
      label: { kind: "other_properties", except: new Set(Object.keys(properties)) },
      target: node.additionalProperties,
    });
  }
  if (isSchema(node.unevaluatedProperties))
    children.push({ label: { kind: "any_property" }, target: node.unevaluatedProperties });
  if (isSchema(node.propertyNames)) children.push({ label: { kind: "key" }, target: node.propertyNames });
  const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : [];
  const tuple = Array.isArray(node.items) ? node.items : [];
  for (const [index, target] of [...prefix.entries(), ...tuple.entries()]) {
    if (isSchema(target)) children.push({ label: { kind: "item", index }, target });
  }
  if (Array.isArray(node.items)) {
    if (isSchema(node.additionalItems))
      children.push({ label: { kind: "items_from", from: node.items.length }, target: node.additionalItems });
  } else if (isSchema(node.items)) children.push({ label: { kind: "items_from", from: prefix.length }, target: node.items });
  for (const key of ["contains", "unevaluatedItems"] as const) {
    if (isSchema(node[key])) children.push({ label: { kind: "items_from", from: 0 }, target: node[key] });
  }
  return { inPlace, children };
}

/** A kind of child a value may have: a property name, "any other name", an index, or a key (propertyNames). */
type Child = { kind: "property"; name: string | null } | { kind: "item"; index: number } | { kind: "key" };

function childPath(path: string, child: Child): string {
  if (child.kind === "key") return `${path} (a property name)`;
  if (child.kind === "item") return `${path}[${child.index}]`;
  return child.name === null ? `${path}.<any other property>` : `${path}.${child.name}`;
}

type Applied = Map<SchemaNode, number>;

/**
 * Refuses an input_schema whose in-place references loop, that can apply more than
 * MAX_SCHEMA_APPLICATIONS_PER_VALUE subschemas to one value, or that can make the validator recurse
 * deeper than MAX_VALIDATION_RECURSION. `nodes` are the schema's objects with their paths (as the
 * caller walked them), `resolve` gives a node's `$ref` targets, and `at` formats a path for a problem.
 */
export function schemaApplicationProblems(
  root: SchemaNode,
  nodes: ReadonlyMap<Record<string, unknown>, PropertyKey[]>,
  resolve: (node: Record<string, unknown>) => SchemaNode[],
  at: (path: PropertyKey[]) => string,
): TemplateProblem[] {
  const edges = new Map<SchemaNode, NodeEdges>();
  const edgesFor = (node: SchemaNode): NodeEdges => {
    let found = edges.get(node);
    if (!found) {
      found = typeof node === "boolean" ? { inPlace: [], children: [] } : edgesOf(node, resolve);
      edges.set(node, found);
    }
    return found;
  };
  const pathOf = (node: SchemaNode) => (typeof node === "boolean" ? [] : (nodes.get(node) ?? []));

  const ranked = rankInPlace([root, ...nodes.keys(), true, false], edgesFor);
  if ("loop" in ranked) {
    const { from, edge } = ranked.loop;
    return [
      {
        path: at([...pathOf(from), ...edge.key]),
        message: `loops back to ${at(pathOf(edge.target))} without descending into the value, so validation would never end`,
      },
    ];
  }
  const { rank } = ranked;

  /**
   * Everything applied once `seeds` are: in-place targets added in topological order, ways
   * multiplied; and the longest chain of nested in-place applications (the validator's nested calls).
   */
  const closure = (seeds: Applied): { applied: Applied; chain: number } => {
    const reached: SchemaNode[] = [];
    const seen = new Set<SchemaNode>();
    const pending = [...seeds.keys()];
    for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
      if (seen.has(node)) continue;
      seen.add(node);
      reached.push(node);
      for (const { target } of edgesFor(node).inPlace) pending.push(target);
    }
    // A higher rank finished later: it applies the lower-ranked nodes it reaches, so it goes first.
    reached.sort((a, b) => (rank.get(b) ?? 0) - (rank.get(a) ?? 0));
    const applied: Applied = new Map(seeds);
    const chain = new Map<SchemaNode, number>([...seeds.keys()].map((node) => [node, 1]));
    for (const node of reached) {
      const ways = applied.get(node) ?? 0;
      const length = chain.get(node) ?? 1;
      for (const { target } of edgesFor(node).inPlace) {
        addWays(applied, target, ways);
        chain.set(target, Math.max(chain.get(target) ?? 0, length + 1));
      }
    }
    return { applied, chain: Math.max(1, ...chain.values()) };
  };

  const keyOf = (applied: Applied) =>
    [...applied]
      .map(([node, ways]) => `${rank.get(node)}:${ways}`)
      .sort()
      .join(",");
  // Each kind of value is identified by the subschemas applied to it directly (its seeds): the same
  // seeds always close over the same subschemas, so a kind met again is not explored again.
  const budget = { left: MAX_SCHEMA_ANALYSIS };
  type Kind = { applied: Applied; chain: number; path: string; isKey: boolean; children: number[] };
  const kinds: Kind[] = [{ ...closure(new Map([[root, 1]])), path: "context", isKey: false, children: [] }];
  const explored = new Map([[`false|${keyOf(new Map([[root, 1]]))}`, 0]]);
  for (let next = 0, kind = kinds[0]; kind !== undefined; kind = kinds[++next]) {
    const total = [...kind.applied.values()].reduce((sum, ways) => sum + ways, 0);
    if (total > MAX_SCHEMA_APPLICATIONS_PER_VALUE) {
      return [
        {
          path: at([]),
          message: `would apply more than ${MAX_SCHEMA_APPLICATIONS_PER_VALUE} subschemas to one value (at ${kind.path}) through $ref, allOf, anyOf, oneOf and the like; simplify it so each value is checked by fewer paths`,
        },
      ];
    }
    if (kind.isKey) continue; // a property name is a string: it has no children
    const children = childSeeds(kind.applied, edgesFor, budget);
    for (const { child, seeds } of children ?? []) {
      budget.left -= seeds.size;
      const key = `${child.kind === "key"}|${keyOf(seeds)}`;
      let index = explored.get(key);
      if (index === undefined) {
        index = kinds.length;
        explored.set(key, index);
        const closed = closure(seeds);
        budget.left -= closed.applied.size;
        kinds.push({ ...closed, path: childPath(kind.path, child), isKey: child.kind === "key", children: [] });
      }
      kind.children.push(index);
    }
    if (children === null || budget.left < 0) {
      return [{ path: at([]), message: "is too complex to check that validating a context stays cheap; simplify it" }];
    }
  }
  const recursion = deepestRecursion(kinds);
  if (recursion.calls > MAX_VALIDATION_RECURSION) {
    return [
      {
        path: at([]),
        message: `could make the validator recurse ${recursion.calls} calls deep (at ${recursion.path}, for a context nested ${MAX_NESTING_DEPTH} levels; at most ${MAX_VALIDATION_RECURSION}): shorten its chains of $ref, allOf, anyOf and the like`,
      },
    ];
  }
  return [];
}

/**
 * The validator's deepest nesting of calls over a context nested at most MAX_NESTING_DEPTH levels:
 * the heaviest path of that many descents through the kinds of value, each weighing its chain.
 */
function deepestRecursion(kinds: readonly { chain: number; path: string; children: number[] }[]): {
  calls: number;
  path: string;
} {
  let best = kinds.map((kind, i) => (i === 0 ? kind.chain : Number.NEGATIVE_INFINITY));
  let deepest = { calls: kinds[0]?.chain ?? 0, path: kinds[0]?.path ?? "context" };
  for (let level = 1; level <= MAX_NESTING_DEPTH; level++) {
    const next = kinds.map(() => Number.NEGATIVE_INFINITY);
    let moved = false;
    kinds.forEach((kind, from) => {
      const calls = best[from] as number;
      if (calls === Number.NEGATIVE_INFINITY) return;
      for (const to of kind.children) {
        const total = calls + (kinds[to]?.chain ?? 0);
        if (total > (next[to] as number)) {
          next[to] = total;
          moved = true;
          if (total > deepest.calls) deepest = { calls: total, path: kinds[to]?.path ?? "" };
        }
      }
    });
    if (!moved) break;
    best = next;
  }
  return deepest;
}

/**
 * Ranks schemas so that one applied in place by another ranks lower (depth-first finishing order,
 * without recursion), or returns the edge that closes an in-place loop.
 */
function rankInPlace(
  starts: readonly SchemaNode[],
  edgesFor: (node: SchemaNode) => NodeEdges,
): { rank: Map<SchemaNode, number> } | { loop: { from: SchemaNode; edge: NodeEdges["inPlace"][number] } } {
  const rank = new Map<SchemaNode, number>();
  const onPath = new Set<SchemaNode>();
  for (const start of starts) {
    if (rank.has(start)) continue;
    const stack: { node: SchemaNode; next: number }[] = [{ node: start, next: 0 }];
    onPath.add(start);
    while (stack.length > 0) {
      const frame = stack.at(-1) as { node: SchemaNode; next: number };
      const edge = edgesFor(frame.node).inPlace[frame.next++];
      if (edge === undefined) {
        stack.pop();
        onPath.delete(frame.node);
        rank.set(frame.node, rank.size);
      } else if (onPath.has(edge.target)) return { loop: { from: frame.node, edge } };
      else if (!rank.has(edge.target)) {
        onPath.add(edge.target);
        stack.push({ node: edge.target, next: 0 });
      }
    }
  }
  return { rank };
}

const addWays = (into: Applied, target: SchemaNode, ways: number) =>
  into.set(target, Math.min(MAX_SCHEMA_APPLICATIONS_PER_VALUE + 1, (into.get(target) ?? 0) + ways));

/**
 * For one representative of every kind of child the applied subschemas tell apart, the subschemas
 * applied to it: each property name a label names, any other name, each index a label names (an
 * index no label names is treated like the nearest named one below it), and property names.
 */
function childSeeds(
  applied: Applied,
  edgesFor: (node: SchemaNode) => NodeEdges,
  budget: { left: number },
): { child: Child; seeds: Applied }[] | null {
  const named = new Map<string, Applied>();
  const indexed = new Map<number, Applied>();
  const anyName: [SchemaNode, number][] = [];
  const otherNames: [ReadonlySet<string>, SchemaNode, number][] = [];
  const fromIndex: [number, SchemaNode, number][] = [];
  const keys: Applied = new Map();
  const slot = <K>(map: Map<K, Applied>, key: K): Applied => {
    const found = map.get(key) ?? new Map<SchemaNode, number>();
    map.set(key, found);
    return found;
  };
  for (const [node, ways] of applied) {
    for (const { label, target } of edgesFor(node).children) {
      if (label.kind === "property") addWays(slot(named, label.name), target, ways);
      else if (label.kind === "item") addWays(slot(indexed, label.index), target, ways);
      else if (label.kind === "any_property") anyName.push([target, ways]);
      else if (label.kind === "other_properties") otherNames.push([label.except, target, ways]);
      else if (label.kind === "items_from") {
        fromIndex.push([label.from, target, ways]);
        slot(indexed, label.from);
      } else addWays(keys, target, ways);
    }
  }
  const result: { child: Child; seeds: Applied }[] = [];
  // Every name and index meets every unnamed label: spend that before doing it.
  budget.left -= (named.size + 1) * (anyName.length + otherNames.length) + indexed.size * fromIndex.length;
  if (budget.left < 0) return null;
  for (const name of [...named.keys(), null]) {
    const seeds: Applied = new Map(name === null ? [] : named.get(name));
    for (const [target, ways] of anyName) addWays(seeds, target, ways);
    for (const [except, target, ways] of otherNames) if (name === null || !except.has(name)) addWays(seeds, target, ways);
    if (seeds.size > 0) result.push({ child: { kind: "property", name }, seeds });
  }
  for (const [index, exact] of indexed) {
    const seeds: Applied = new Map(exact);
    for (const [from, target, ways] of fromIndex) if (index >= from) addWays(seeds, target, ways);
    if (seeds.size > 0) result.push({ child: { kind: "item", index }, seeds });
  }
  if (keys.size > 0) result.push({ child: { kind: "key" }, seeds: keys });
  return result;
}
