import { beforeAll, describe, expect, it } from "vitest";
import {
  AUTH_ENV_VARS,
  AuthConfigError,
  type AuthEnvValues,
  MIN_API_KEY_LENGTH,
  parseAuthConfig,
} from "../../../src/api/auth-config";

const KEY = "k".repeat(32);
const SECRET = "s".repeat(32);

function problemsOf(values: AuthEnvValues): string[] {
  try {
    parseAuthConfig(values);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigError);
    return (error as AuthConfigError).problems;
  }
  throw new Error("expected the configuration to be rejected");
}

const keys = (entries: unknown) => ({ TASKER_API_KEYS: JSON.stringify(entries) });

// workerd's types (loaded for the whole project) widen these WebCrypto results; Node returns the same shapes.
const RSA = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
const EC = { name: "ECDSA", namedCurve: "P-256" };
const generatePair = (algorithm: typeof RSA | typeof EC, extractable = true) =>
  crypto.subtle.generateKey(algorithm, extractable, ["sign", "verify"]) as Promise<CryptoKeyPair>;
const exportJwk = (key: CryptoKey) => crypto.subtle.exportKey("jwk", key) as Promise<JsonWebKey>;

let rsaJwk: JsonWebKey;
let ecJwk: JsonWebKey;
let ecPrivateJwk: JsonWebKey;

beforeAll(async () => {
  const rsa = await generatePair(RSA);
  rsaJwk = await exportJwk(rsa.publicKey);
  const ec = await generatePair(EC);
  ecJwk = await exportJwk(ec.publicKey);
  ecPrivateJwk = await exportJwk(ec.privateKey);
});

describe("parseAuthConfig: when authentication is on", () => {
  it("is off (null) only when no variable is set at all", () => {
    expect(parseAuthConfig({})).toBeNull();
    expect(parseAuthConfig({ TASKER_API_KEYS: undefined, TASKER_AUTH: undefined })).toBeNull();
  });

  it("is on with an empty key list: nobody gets in, which is a valid lock-down", () => {
    expect(parseAuthConfig({ TASKER_API_KEYS: "[]" })).toEqual({ apiKeys: [], jwt: null });
  });
});

describe("parseAuthConfig: a variable set but empty fails closed", () => {
  it.each(AUTH_ENV_VARS)("refuses %s set to an empty or blank value, naming it", (variable) => {
    for (const blank of ["", "   ", "\n", null]) {
      expect(problemsOf({ [variable]: blank })).toContain(`${variable} is set but empty: give it a value, or remove it`);
    }
  });

  it("refuses an empty TASKER_API_KEYS even when a JWT key is configured", () => {
    expect(problemsOf({ TASKER_API_KEYS: "", TASKER_JWT_SECRET: SECRET })).toEqual([
      "TASKER_API_KEYS is set but empty: give it a value, or remove it",
    ]);
  });

  it("names every blank variable at once", () => {
    expect(problemsOf({ TASKER_API_KEYS: "  ", TASKER_JWT_SECRET: "" })).toEqual([
      "TASKER_API_KEYS is set but empty: give it a value, or remove it",
      "TASKER_JWT_SECRET is set but empty: give it a value, or remove it",
    ]);
  });
});

describe("parseAuthConfig: TASKER_AUTH demands authentication", () => {
  it("refuses TASKER_AUTH=required with no credential variable, so a deploy without secrets stays shut", () => {
    expect(problemsOf({ TASKER_AUTH: "required" })).toEqual([
      'TASKER_AUTH is "required" but none of TASKER_API_KEYS, TASKER_JWT_SECRET, TASKER_JWT_PUBLIC_KEY is set',
    ]);
  });

  it("refuses TASKER_AUTH=required with only an issuer and audience", () => {
    expect(problemsOf({ TASKER_AUTH: "required", TASKER_JWT_ISSUER: "https://idp", TASKER_JWT_AUDIENCE: "tasker" })).toHaveLength(
      2,
    );
  });

  it("is on with TASKER_AUTH=required and keys or a JWT key", () => {
    expect(
      parseAuthConfig({ TASKER_AUTH: "required", ...keys([{ name: "ci", key: KEY, permissions: ["*"] }]) })?.apiKeys,
    ).toHaveLength(1);
    expect(parseAuthConfig({ TASKER_AUTH: " Required ", TASKER_JWT_SECRET: SECRET })?.jwt?.secret).toBe(SECRET);
  });

  it("refuses any other value of TASKER_AUTH rather than guessing what it meant", () => {
    for (const value of ["off", "true", "disabled", 1]) {
      expect(problemsOf({ TASKER_AUTH: value, TASKER_JWT_SECRET: SECRET })[0]).toMatch(/^TASKER_AUTH must be "required"/);
    }
  });
});

describe("parseAuthConfig: API keys", () => {
  it("reads keys with their permissions, and namespaces defaulting to all", () => {
    const config = parseAuthConfig(
      keys([
        { name: "ci", key: KEY, permissions: ["tasks:*", "templates:read"], namespaces: ["ecommerce"] },
        { name: "ops", key: "o".repeat(32), permissions: ["*"], description: "on-call" },
      ]),
    );
    expect(config?.apiKeys).toEqual([
      { name: "ci", key: KEY, permissions: ["tasks:*", "templates:read"], namespaces: ["ecommerce"] },
      { name: "ops", key: "o".repeat(32), permissions: ["*"], namespaces: null },
    ]);
  });

  it("accepts an already-parsed list (a var in wrangler.toml)", () => {
    const config = parseAuthConfig({ TASKER_API_KEYS: [{ name: "ci", key: KEY, permissions: ["*"] }] });
    expect(config?.apiKeys).toHaveLength(1);
  });

  it("rejects JSON that does not parse", () => {
    expect(problemsOf({ TASKER_API_KEYS: "[{name:" })).toEqual(["TASKER_API_KEYS is not valid JSON"]);
  });

  it("rejects a list that is not an array", () => {
    expect(problemsOf(keys({ name: "ci", key: KEY, permissions: ["*"] }))).toHaveLength(1);
  });

  it("names the path of every bad entry at once", () => {
    const problems = problemsOf(
      keys([
        { name: "ci", key: "short", permissions: ["task:create"] },
        { name: "", key: KEY, permissions: [] },
        { name: "ops", key: "o".repeat(32), permissions: ["*"], namespaces: [], permission: ["*"] },
      ]),
    );
    const paths = problems.map((p) => p.slice(0, p.indexOf(":", p.indexOf("]"))));
    expect(paths).toEqual([
      "TASKER_API_KEYS[0].key",
      "TASKER_API_KEYS[0].permissions[0]",
      "TASKER_API_KEYS[1].name",
      "TASKER_API_KEYS[1].permissions",
      "TASKER_API_KEYS[2].namespaces",
      "TASKER_API_KEYS[2]",
    ]);
    expect(problems[1]).toContain('unknown permission "task:create"');
  });

  it(`requires keys of at least ${MIN_API_KEY_LENGTH} characters`, () => {
    expect(problemsOf(keys([{ name: "ci", key: "k".repeat(MIN_API_KEY_LENGTH - 1), permissions: ["*"] }]))).toHaveLength(1);
    expect(parseAuthConfig(keys([{ name: "ci", key: "k".repeat(MIN_API_KEY_LENGTH), permissions: ["*"] }]))).not.toBeNull();
  });

  it("rejects duplicate names and duplicate keys without quoting the key", () => {
    const problems = problemsOf(
      keys([
        { name: "ci", key: KEY, permissions: ["*"] },
        { name: "ci", key: "x".repeat(32), permissions: ["*"] },
        { name: "deploy", key: KEY, permissions: ["*"] },
      ]),
    );
    expect(problems).toEqual([
      'TASKER_API_KEYS: the name "ci" is used twice',
      'TASKER_API_KEYS: "ci" and "deploy" have the same key',
    ]);
    expect(problems.join(" ")).not.toContain(KEY);
  });
});

describe("parseAuthConfig: JWT", () => {
  it("reads an HS256 secret with issuer and audience", () => {
    const config = parseAuthConfig({
      TASKER_JWT_SECRET: SECRET,
      TASKER_JWT_ISSUER: "https://idp",
      TASKER_JWT_AUDIENCE: "tasker",
    });
    expect(config).toEqual({
      apiKeys: [],
      jwt: { secret: SECRET, publicKeys: [], issuer: "https://idp", audience: "tasker" },
    });
  });

  it("requires an HS256 secret of at least 32 bytes", () => {
    expect(problemsOf({ TASKER_JWT_SECRET: "s".repeat(31) })).toEqual(["TASKER_JWT_SECRET must be at least 32 bytes"]);
  });

  it("reads an RSA or EC public JWK, keeping only its public members", () => {
    const rsa = parseAuthConfig({ TASKER_JWT_PUBLIC_KEY: JSON.stringify({ ...rsaJwk, kid: "r1" }) });
    expect(rsa?.jwt?.publicKeys).toEqual([{ alg: "RS256", kid: "r1", jwk: { kty: "RSA", n: rsaJwk.n, e: rsaJwk.e } }]);
    const ec = parseAuthConfig({ TASKER_JWT_PUBLIC_KEY: JSON.stringify(ecJwk) });
    expect(ec?.jwt?.publicKeys).toEqual([{ alg: "ES256", kid: null, jwk: { kty: "EC", crv: "P-256", x: ecJwk.x, y: ecJwk.y } }]);
  });

  it("reads a JWK set for key rotation", () => {
    const config = parseAuthConfig({
      TASKER_JWT_PUBLIC_KEY: JSON.stringify({
        keys: [
          { ...rsaJwk, kid: "a" },
          { ...ecJwk, kid: "b" },
        ],
      }),
    });
    expect(config?.jwt?.publicKeys.map((k) => [k.alg, k.kid])).toEqual([
      ["RS256", "a"],
      ["ES256", "b"],
    ]);
  });

  it("refuses a private key, an unsupported curve or key type, and a mismatched alg", () => {
    expect(problemsOf({ TASKER_JWT_PUBLIC_KEY: JSON.stringify(ecPrivateJwk) }).join()).toContain("private key");
    expect(problemsOf({ TASKER_JWT_PUBLIC_KEY: JSON.stringify({ ...ecJwk, crv: "P-384" }) })).toHaveLength(1);
    expect(problemsOf({ TASKER_JWT_PUBLIC_KEY: JSON.stringify({ kty: "oct", k: "c2VjcmV0" }) })).toHaveLength(1);
    expect(problemsOf({ TASKER_JWT_PUBLIC_KEY: JSON.stringify({ ...rsaJwk, alg: "HS256" }) })).toHaveLength(1);
    expect(problemsOf({ TASKER_JWT_PUBLIC_KEY: JSON.stringify({ ...ecJwk, alg: "none" }) })).toHaveLength(1);
  });

  it("refuses an RSA key under 2048 bits", () => {
    const short = { ...rsaJwk, n: rsaJwk.n?.slice(0, 170) };
    expect(problemsOf({ TASKER_JWT_PUBLIC_KEY: JSON.stringify(short) }).join()).toContain("2048 bits");
  });

  it("refuses an issuer or audience without any JWT key", () => {
    expect(problemsOf({ TASKER_API_KEYS: "[]", TASKER_JWT_AUDIENCE: "tasker" })).toEqual([
      "TASKER_JWT_ISSUER and TASKER_JWT_AUDIENCE need TASKER_JWT_SECRET or TASKER_JWT_PUBLIC_KEY",
    ]);
  });

  it("reports problems of every variable together", () => {
    const problems = problemsOf({ TASKER_API_KEYS: "nope", TASKER_JWT_SECRET: "short", TASKER_JWT_PUBLIC_KEY: "{}" });
    expect(problems).toEqual([
      "TASKER_API_KEYS is not valid JSON",
      "TASKER_JWT_SECRET must be at least 32 bytes",
      "TASKER_JWT_PUBLIC_KEY.kty: Invalid discriminator value. Expected 'RSA' | 'EC'",
    ]);
  });
});
