// Matches a presented API key against the configured ones in constant time.
import type { ApiKeyEntry } from "./auth-config";

export interface KeyDigest {
  entry: ApiKeyEntry;
  digest: ArrayBuffer;
}

const sha256 = (text: string) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));

/** Hashed once per configuration, so a request costs one hash whatever the number of keys. */
export async function digestApiKeys(entries: readonly ApiKeyEntry[]): Promise<KeyDigest[]> {
  return Promise.all(entries.map(async (entry) => ({ entry, digest: await sha256(entry.key) })));
}

/**
 * Comparing SHA-256 digests gives equal lengths (so neither the length nor a common prefix of a key
 * shows in the timing) and `timingSafeEqual` compares them in constant time. Every configured key
 * is compared, so the timing does not say which one matched either.
 */
export async function findApiKey(presented: string, keys: readonly KeyDigest[]): Promise<ApiKeyEntry | null> {
  const digest = await sha256(presented);
  let found: ApiKeyEntry | null = null;
  for (const key of keys) {
    if (crypto.subtle.timingSafeEqual(digest, key.digest) && found === null) found = key.entry;
  }
  return found;
}
