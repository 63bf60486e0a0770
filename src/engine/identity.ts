// Task identity: the same submission maps to the same task UUID, so the task's object dedupes it atomically.

import type { IdentityStrategy } from "../shared/names";

/** JSON with object keys sorted at every depth: equal values always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A UUID (RFC 9562 version 8, "custom") made from the first 122 bits of a SHA-256 hex digest. */
export function uuidFromHash(hex: string): string {
  const h = hex.slice(0, 32).split("");
  h[12] = "8";
  h[16] = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export interface IdentityInput {
  namespace: string;
  name: string;
  version: string;
  context: unknown;
  idempotencyKey?: string | undefined;
}

/**
 * The identity hash of a submission, or null when every submission is unique. An idempotency key
 * always wins (scoped to the template's namespace and name); otherwise `strict` hashes the
 * namespace, name, version and canonicalised context.
 */
export async function identityHash(strategy: IdentityStrategy, input: IdentityInput): Promise<string | null> {
  if (input.idempotencyKey !== undefined) {
    return sha256Hex(canonicalJson(["idempotency_key", input.namespace, input.name, input.idempotencyKey]));
  }
  if (strategy !== "strict") return null;
  return sha256Hex(canonicalJson(["strict", input.namespace, input.name, input.version, input.context]));
}
