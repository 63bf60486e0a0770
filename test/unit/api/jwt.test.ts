import { beforeAll, describe, expect, it } from "vitest";
import {
  base64UrlDecode,
  checkClaims,
  importVerificationKeys,
  JWT_LEEWAY_SECONDS,
  looksLikeJwt,
  MAX_TOKEN_LENGTH,
  type VerificationKey,
  verifyJwt,
} from "../../../src/api/jwt";
import { principalFromClaims } from "../../../src/api/principal";

const NOW = 1_800_000_000;
const SECRET = "an HS256 secret of at least 32 bytes!";
const NO_RULES = { issuer: null, audience: null };

const encode = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
const encodeJson = (value: unknown) => encode(new TextEncoder().encode(JSON.stringify(value)));

async function sign(header: Record<string, unknown>, claims: Record<string, unknown>, key: CryptoKey | null): Promise<string> {
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  if (key === null) return `${input}.`;
  const algorithm = key.algorithm.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : key.algorithm.name;
  const signature = await crypto.subtle.sign(algorithm, key, new TextEncoder().encode(input));
  return `${input}.${encode(new Uint8Array(signature))}`;
}

// workerd's types (loaded for the whole project) widen these WebCrypto results; Node returns the same shapes.
const RSA = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
const EC = { name: "ECDSA", namedCurve: "P-256" };
const generatePair = (algorithm: typeof RSA | typeof EC, extractable = true) =>
  crypto.subtle.generateKey(algorithm, extractable, ["sign", "verify"]) as Promise<CryptoKeyPair>;
const exportJwk = (key: CryptoKey) => crypto.subtle.exportKey("jwk", key) as Promise<JsonWebKey>;

let hmac: CryptoKey;
let rsa: CryptoKeyPair;
let ec: CryptoKeyPair;
let rsaJwk: JsonWebKey;
let keys: VerificationKey[];

beforeAll(async () => {
  hmac = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  rsa = await generatePair(RSA);
  ec = await generatePair(EC);
  rsaJwk = await exportJwk(rsa.publicKey);
  const ecJwk = await exportJwk(ec.publicKey);
  keys = await importVerificationKeys({
    secret: SECRET,
    publicKeys: [
      { alg: "RS256", kid: "rsa-1", jwk: { kty: "RSA", n: rsaJwk.n, e: rsaJwk.e } },
      { alg: "ES256", kid: null, jwk: { kty: "EC", crv: "P-256", x: ecJwk.x, y: ecJwk.y } },
    ],
    issuer: null,
    audience: null,
  });
});

const valid = { sub: "svc", exp: NOW + 300, permissions: ["tasks:read"] };

describe("verifyJwt", () => {
  it("accepts HS256, RS256 and ES256 tokens signed with the configured keys", async () => {
    for (const [alg, key] of [
      ["HS256", hmac],
      ["RS256", rsa.privateKey],
      ["ES256", ec.privateKey],
    ] as const) {
      const result = await verifyJwt(await sign({ alg, typ: "JWT" }, valid, key), keys, NO_RULES, NOW);
      expect(result, alg).toEqual({ ok: true, claims: valid });
    }
  });

  it("refuses alg none, with or without a signature", async () => {
    const unsigned = await sign({ alg: "none" }, valid, null);
    expect(await verifyJwt(unsigned, keys, NO_RULES, NOW)).toEqual({ ok: false, reason: "token is not a JWT" });
    const withSignature = `${unsigned}${encode(new Uint8Array(32))}`;
    expect(await verifyJwt(withSignature, keys, NO_RULES, NOW)).toEqual({
      ok: false,
      reason: 'token algorithm "none" is not accepted',
    });
  });

  it("refuses an HS256 token whose secret is the RSA public key (algorithm confusion)", async () => {
    const confused = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(JSON.stringify(rsaJwk)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const onlyRsa = keys.filter((k) => k.alg === "RS256");
    const result = await verifyJwt(await sign({ alg: "HS256" }, valid, confused), onlyRsa, NO_RULES, NOW);
    expect(result).toEqual({ ok: false, reason: "token algorithm HS256 is not accepted" });
  });

  it("refuses a token signed with another key, or with its payload changed", async () => {
    const other = await generatePair(EC, false);
    expect(await verifyJwt(await sign({ alg: "ES256" }, valid, other.privateKey), keys, NO_RULES, NOW)).toEqual({
      ok: false,
      reason: "token signature is invalid",
    });
    const [header, , signature] = (await sign({ alg: "HS256" }, valid, hmac)).split(".");
    const tampered = `${header}.${encodeJson({ ...valid, permissions: ["*"] })}.${signature}`;
    expect(await verifyJwt(tampered, keys, NO_RULES, NOW)).toEqual({ ok: false, reason: "token signature is invalid" });
  });

  it("refuses an ES256 signature that is not 64 raw bytes", async () => {
    const [header, payload] = (await sign({ alg: "ES256" }, valid, ec.privateKey)).split(".");
    const der = `${header}.${payload}.${encode(new Uint8Array(72))}`;
    expect(await verifyJwt(der, keys, NO_RULES, NOW)).toEqual({ ok: false, reason: "token signature is invalid" });
  });

  it("selects the key by kid and falls back to keys without one", async () => {
    const token = await sign({ alg: "RS256", kid: "rsa-1" }, valid, rsa.privateKey);
    expect((await verifyJwt(token, keys, NO_RULES, NOW)).ok).toBe(true);
    const unknownKid = await sign({ alg: "RS256", kid: "rsa-2" }, valid, rsa.privateKey);
    expect(await verifyJwt(unknownKid, keys, NO_RULES, NOW)).toEqual({
      ok: false,
      reason: "token algorithm RS256 is not accepted",
    });
    const ecUnknownKid = await sign({ alg: "ES256", kid: "whatever" }, valid, ec.privateKey);
    expect((await verifyJwt(ecUnknownKid, keys, NO_RULES, NOW)).ok).toBe(true);
  });

  it("refuses critical header extensions, non-JSON parts and oversized tokens", async () => {
    expect((await verifyJwt(await sign({ alg: "HS256", crit: ["b64"] }, valid, hmac), keys, NO_RULES, NOW)).ok).toBe(false);
    expect(await verifyJwt("bm90IGpzb24.e30.c2ln", keys, NO_RULES, NOW)).toEqual({
      ok: false,
      reason: "token header is not a JSON object",
    });
    expect(
      await verifyJwt(await sign({ alg: "HS256" }, [1, 2] as unknown as Record<string, unknown>, hmac), keys, NO_RULES, NOW),
    ).toEqual({
      ok: false,
      reason: "token payload is not a JSON object",
    });
    const huge = await sign({ alg: "HS256" }, { ...valid, pad: "x".repeat(MAX_TOKEN_LENGTH) }, hmac);
    expect(await verifyJwt(huge, keys, NO_RULES, NOW)).toEqual({ ok: false, reason: "token is too long" });
  });

  it("checks the claims only after the signature", async () => {
    const expired = await sign({ alg: "HS256" }, { ...valid, exp: NOW - 3_600 }, hmac);
    expect(await verifyJwt(expired, keys, NO_RULES, NOW)).toEqual({ ok: false, reason: "token has expired" });
  });
});

describe("checkClaims", () => {
  it(`honours exp with ${JWT_LEEWAY_SECONDS} s of leeway, and requires it`, () => {
    expect(checkClaims({ exp: NOW - JWT_LEEWAY_SECONDS }, NO_RULES, NOW)).toBeNull();
    expect(checkClaims({ exp: NOW - JWT_LEEWAY_SECONDS - 1 }, NO_RULES, NOW)).toBe("token has expired");
    expect(checkClaims({}, NO_RULES, NOW)).toBe("token has no numeric exp claim");
    expect(checkClaims({ exp: String(NOW + 60) }, NO_RULES, NOW)).toBe("token has no numeric exp claim");
  });

  it(`honours nbf with ${JWT_LEEWAY_SECONDS} s of leeway`, () => {
    const exp = NOW + 600;
    expect(checkClaims({ exp, nbf: NOW + JWT_LEEWAY_SECONDS }, NO_RULES, NOW)).toBeNull();
    expect(checkClaims({ exp, nbf: NOW + JWT_LEEWAY_SECONDS + 1 }, NO_RULES, NOW)).toBe("token is not valid yet");
    expect(checkClaims({ exp, nbf: "soon" }, NO_RULES, NOW)).toBe("token has a non-numeric nbf claim");
  });

  it("checks the issuer and audience when configured", () => {
    const rules = { issuer: "https://idp.example.com", audience: "tasker" };
    const exp = NOW + 600;
    expect(checkClaims({ exp, iss: "https://idp.example.com", aud: "tasker" }, rules, NOW)).toBeNull();
    expect(checkClaims({ exp, iss: "https://idp.example.com", aud: ["other", "tasker"] }, rules, NOW)).toBeNull();
    expect(checkClaims({ exp, iss: "https://evil.example.com", aud: "tasker" }, rules, NOW)).toBe("token has the wrong issuer");
    expect(checkClaims({ exp, iss: "https://idp.example.com", aud: "other" }, rules, NOW)).toBe("token has the wrong audience");
    expect(checkClaims({ exp, iss: "https://idp.example.com" }, rules, NOW)).toBe("token has the wrong audience");
  });
});

describe("looksLikeJwt and base64UrlDecode", () => {
  it("tells a JWT from an API key by its three base64url segments", () => {
    expect(looksLikeJwt("eyJh.eyJz.c2ln")).toBe(true);
    expect(looksLikeJwt("tk_live_0123456789abcdef")).toBe(false);
    expect(looksLikeJwt("a.b")).toBe(false);
    expect(looksLikeJwt("a..c")).toBe(false);
    expect(looksLikeJwt("a.b+c.d")).toBe(false);
  });

  it("decodes unpadded base64url and refuses other alphabets", () => {
    expect(new TextDecoder().decode(base64UrlDecode("aGk_Pz4-"))).toBe("hi??>>");
    expect(() => base64UrlDecode("aGk/Pz4+")).toThrow();
  });
});

describe("principalFromClaims", () => {
  it("reads sub, permissions and namespaces", () => {
    expect(principalFromClaims({ sub: "ci", permissions: ["tasks:*"], namespaces: ["ecommerce"] })).toEqual({
      name: "ci",
      permissions: ["tasks:*"],
      namespaces: ["ecommerce"],
      via: "jwt",
    });
  });

  it("falls back to the space-separated scope claim, and to no permission at all", () => {
    expect(principalFromClaims({ scope: "openid tasks:read  steps:read" })).toMatchObject({
      name: "jwt",
      permissions: ["openid", "tasks:read", "steps:read"],
      namespaces: null,
    });
    expect(principalFromClaims({ sub: "x" })).toMatchObject({ permissions: [] });
  });

  it("makes a malformed permissions, scope or namespaces claim invalid rather than guessing", () => {
    expect(principalFromClaims({ permissions: "tasks:read" })).toHaveProperty("invalid");
    expect(principalFromClaims({ scope: ["tasks:read"] })).toHaveProperty("invalid");
    expect(principalFromClaims({ permissions: [], namespaces: "ecommerce" })).toHaveProperty("invalid");
  });
});
