// Verifies JWT bearer tokens (HS256, RS256, ES256) with WebCrypto and checks their time and origin claims.
import type { JwtAlgorithm, JwtSettings } from "./auth-config";

/** Clock skew tolerated on `exp` and `nbf` between the issuer and this Worker. */
export const JWT_LEEWAY_SECONDS = 60;
/** Far above any real token; refuses oversized input before decoding or hashing it. */
export const MAX_TOKEN_LENGTH = 8_192;

export interface VerificationKey {
  alg: JwtAlgorithm;
  kid: string | null;
  key: CryptoKey;
}

export interface ClaimRules {
  issuer: string | null;
  audience: string | null;
}

export type JwtResult = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

const ALGORITHMS: Record<JwtAlgorithm, { import: SubtleCryptoImportKeyAlgorithm; verify: string | SubtleCryptoSignAlgorithm }> = {
  HS256: { import: { name: "HMAC", hash: "SHA-256" }, verify: "HMAC" },
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: "RSASSA-PKCS1-v1_5" },
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
};

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** Three dot-separated base64url segments: the shape that makes a bearer token a JWT rather than an API key. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split(".");
  return parts.length === 3 && parts.every((p) => p.length > 0 && SEGMENT.test(p));
}

export function base64UrlDecode(segment: string): Uint8Array<ArrayBuffer> {
  if (!SEGMENT.test(segment)) throw new Error("not base64url");
  const base64 = segment.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

function decodeJsonObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64UrlDecode(segment)),
    );
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Imports the configured keys once; each key is bound to one algorithm, which is what stops algorithm confusion. */
export async function importVerificationKeys(settings: JwtSettings): Promise<VerificationKey[]> {
  const keys: VerificationKey[] = [];
  if (settings.secret !== null) {
    const raw = new TextEncoder().encode(settings.secret);
    keys.push({
      alg: "HS256",
      kid: null,
      key: await crypto.subtle.importKey("raw", raw, ALGORITHMS.HS256.import, false, ["verify"]),
    });
  }
  for (const entry of settings.publicKeys) {
    const key = await crypto.subtle.importKey("jwk", entry.jwk, ALGORITHMS[entry.alg].import, false, ["verify"]);
    keys.push({ alg: entry.alg, kid: entry.kid, key });
  }
  return keys;
}

/** `exp` is required (as in Tasker, whose tokens are checked by `jsonwebtoken`'s defaults); `nbf`, `iss`, `aud` when present or configured. */
export function checkClaims(claims: Record<string, unknown>, rules: ClaimRules, nowSeconds: number): string | null {
  const { exp, nbf, iss, aud } = claims;
  if (typeof exp !== "number" || !Number.isFinite(exp)) return "token has no numeric exp claim";
  if (nowSeconds > exp + JWT_LEEWAY_SECONDS) return "token has expired";
  if (nbf !== undefined) {
    if (typeof nbf !== "number" || !Number.isFinite(nbf)) return "token has a non-numeric nbf claim";
    if (nowSeconds + JWT_LEEWAY_SECONDS < nbf) return "token is not valid yet";
  }
  if (rules.issuer !== null && iss !== rules.issuer) return "token has the wrong issuer";
  if (rules.audience !== null) {
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(rules.audience)) return "token has the wrong audience";
  }
  return null;
}

function candidateKeys(keys: readonly VerificationKey[], alg: JwtAlgorithm, kid: unknown): VerificationKey[] {
  const sameAlg = keys.filter((k) => k.alg === alg);
  if (typeof kid !== "string") return sameAlg;
  const byKid = sameAlg.filter((k) => k.kid === kid);
  // A token naming a kid we don't list may still be signed by a key configured without one.
  return byKid.length > 0 ? byKid : sameAlg.filter((k) => k.kid === null);
}

/**
 * Verifies the signature with a key of exactly the header's algorithm (never `none`, never a public
 * key used as an HMAC secret), then the claims. The reasons are safe to show to the caller.
 */
export async function verifyJwt(
  token: string,
  keys: readonly VerificationKey[],
  rules: ClaimRules,
  nowSeconds: number,
): Promise<JwtResult> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "token is too long" };
  const [headerPart, payloadPart, signaturePart] = token.split(".");
  if (headerPart === undefined || payloadPart === undefined || signaturePart === undefined || !looksLikeJwt(token)) {
    return { ok: false, reason: "token is not a JWT" };
  }
  const header = decodeJsonObject(headerPart);
  if (header === null) return { ok: false, reason: "token header is not a JSON object" };
  const alg = header.alg;
  if (typeof alg !== "string" || !Object.hasOwn(ALGORITHMS, alg)) {
    // Echoed into the response and the log, so only a short prefix of what the caller sent.
    return { ok: false, reason: `token algorithm ${JSON.stringify(String(alg).slice(0, 16))} is not accepted` };
  }
  // RFC 7515 §4.1.11: extensions we don't understand must make the token invalid.
  if (header.crit !== undefined) return { ok: false, reason: "token has critical header extensions" };
  const candidates = candidateKeys(keys, alg as JwtAlgorithm, header.kid);
  if (candidates.length === 0) return { ok: false, reason: `token algorithm ${alg} is not accepted` };

  const signature = base64UrlDecode(signaturePart);
  // JWS ES256 signatures are the raw 64-byte r‖s that WebCrypto expects; anything else is forged or DER.
  if (alg === "ES256" && signature.byteLength !== 64) return { ok: false, reason: "token signature is invalid" };
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  let verified = false;
  for (const candidate of candidates) {
    if (await crypto.subtle.verify(ALGORITHMS[candidate.alg].verify, candidate.key, signature, signed)) {
      verified = true;
      break;
    }
  }
  if (!verified) return { ok: false, reason: "token signature is invalid" };

  const claims = decodeJsonObject(payloadPart);
  if (claims === null) return { ok: false, reason: "token payload is not a JSON object" };
  const problem = checkClaims(claims, rules, nowSeconds);
  return problem === null ? { ok: true, claims } : { ok: false, reason: problem };
}
