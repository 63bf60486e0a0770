// Where two templates differ, as key paths (`steps[1].retry.max_attempts`), for an immutability conflict's details.
import { appendPath } from "./paths";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The paths at which `a` and `b` (JSON values) differ, deepest first found, at most `limit` of them. */
export function differingPaths(a: unknown, b: unknown, limit = 20): string[] {
  const found: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (found.length >= limit) return;
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], appendPath(path, i));
      return;
    }
    if (isRecord(x) && isRecord(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
      for (const key of keys) walk(x[key], y[key], appendPath(path, key));
      return;
    }
    if (JSON.stringify(x ?? null) !== JSON.stringify(y ?? null)) found.push(path === "" ? "(template)" : path);
  };
  walk(a, b, "");
  return found;
}
