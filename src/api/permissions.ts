// How granted permission patterns and namespaces match (the vocabulary itself is in the contract).

import { PERMISSIONS, type Permission } from "../contract/permissions";

export { PERMISSIONS, type Permission };

const KNOWN = new Set<string>(PERMISSIONS);
const RESOURCES = new Set<string>(PERMISSIONS.map((p) => p.slice(0, p.indexOf(":"))));

export function isPermission(value: string): value is Permission {
  return KNOWN.has(value);
}

/**
 * Whether a string is something that may be granted: a known permission, `resource:*` for a known
 * resource, or `*`. Configured keys are checked with it so a typo fails loudly instead of granting nothing.
 */
export function isGrantablePattern(pattern: string): boolean {
  if (pattern === "*" || KNOWN.has(pattern)) return true;
  return pattern.endsWith(":*") && RESOURCES.has(pattern.slice(0, -2));
}

/** Whether any granted pattern covers the required permission. Unknown patterns grant nothing. */
export function grants(granted: readonly string[], required: Permission): boolean {
  const resourceWildcard = `${required.slice(0, required.indexOf(":"))}:*`;
  return granted.some((p) => p === "*" || p === required || p === resourceWildcard);
}

// The scope type lives with the engine: a task object checks it too when a child task starts.
export { inNamespaceScope, type NamespaceScope } from "../engine/namespace-scope";
