// Renders key paths the way users read them in a template or context: `steps[2].retry.max_attempts`.

const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

/** Appends one key or index to a rendered path; keys that are not plain identifiers are quoted. */
export function appendPath(base: string, segment: PropertyKey): string {
  if (typeof segment === "number") return `${base}[${segment}]`;
  const key = String(segment);
  if (!PLAIN_KEY.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** Renders a sequence of keys and indexes, e.g. `["steps", 2, "dependencies", 0]` → `steps[2].dependencies[0]`. */
export function formatPath(segments: readonly PropertyKey[], base = ""): string {
  return segments.reduce<string>((path, segment) => appendPath(path, segment), base);
}
