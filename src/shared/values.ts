// Narrowing of JSON-like values that arrive untyped (parsed YAML, handler results, configuration).

/** A plain object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
