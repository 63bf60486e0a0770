// Who is calling the API: the identity, permissions and namespaces an API key or a token carries.
import type { ApiKeyEntry } from "./auth-config";
import type { NamespaceScope } from "./permissions";

export interface Principal {
  name: string;
  /** Granted patterns as configured or claimed: permissions, `resource:*` or `*`. */
  permissions: readonly string[];
  /** `null`: every namespace. */
  namespaces: NamespaceScope;
  /** `none` only while authentication is off. */
  via: "api_key" | "jwt" | "none";
}

/** Everyone, while no credentials are configured. */
export const ANONYMOUS: Principal = Object.freeze({
  name: "anonymous",
  permissions: Object.freeze(["*"]),
  namespaces: null,
  via: "none",
});

export function principalFromApiKey(entry: ApiKeyEntry): Principal {
  return { name: entry.name, permissions: entry.permissions, namespaces: entry.namespaces, via: "api_key" };
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/**
 * Reads `permissions` (an array) or else the OAuth `scope` string, and the optional `namespaces`
 * array, from verified claims. A malformed claim makes the token invalid rather than quietly
 * granting less (or, for namespaces, more) than its issuer meant.
 */
export function principalFromClaims(claims: Record<string, unknown>): Principal | { invalid: string } {
  const { sub, permissions, scope, namespaces } = claims;
  let granted: string[];
  if (permissions !== undefined) {
    if (!isStringArray(permissions)) return { invalid: "token's permissions claim is not an array of strings" };
    granted = permissions;
  } else if (scope !== undefined) {
    if (typeof scope !== "string") return { invalid: "token's scope claim is not a string" };
    granted = scope.split(/\s+/).filter((s) => s !== "");
  } else granted = [];
  if (namespaces !== undefined && !isStringArray(namespaces)) {
    return { invalid: "token's namespaces claim is not an array of strings" };
  }
  return {
    name: typeof sub === "string" && sub !== "" ? sub : "jwt",
    permissions: granted,
    namespaces: namespaces ?? null,
    via: "jwt",
  };
}
