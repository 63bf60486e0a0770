// How deeply a JSON-like value nests, measured without recursion so that any depth is safe to measure.
import { MAX_NESTING_DEPTH } from "../shared/limits";

/**
 * Whether `value` nests objects and arrays more than `limit` levels deep (`{}` is one level, a scalar
 * none). A cycle counts as too deep. Values that share a subtree (possible over RPC, never in JSON)
 * revisit it only when reached at a greater depth, so the scan stays within `limit` visits per object.
 */
export function nestsDeeperThan(value: unknown, limit: number = MAX_NESTING_DEPTH): boolean {
  const deepestSeen = new WeakMap<object, number>();
  const pending: [unknown, number][] = [[value, 1]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [next, depth] = entry;
    if (typeof next !== "object" || next === null) continue;
    if (depth > limit) return true;
    if ((deepestSeen.get(next) ?? 0) >= depth) continue;
    deepestSeen.set(next, depth);
    for (const child of Array.isArray(next) ? next : Object.values(next)) pending.push([child, depth + 1]);
  }
  return false;
}
