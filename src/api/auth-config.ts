// Reads the API's authentication settings from Worker secrets and vars, rejecting anything malformed.
import { z } from "zod";
import { formatPath } from "../templates/paths";
import { isGrantablePattern } from "./permissions";

/** The variables that hold credentials: at least one must be set for anyone to get in. */
export const CREDENTIAL_ENV_VARS = ["TASKER_API_KEYS", "TASKER_JWT_SECRET", "TASKER_JWT_PUBLIC_KEY"] as const;

/**
 * The Worker variables (secrets or vars) that configure authentication; setting any one, even to an
 * empty value, turns it on. `TASKER_AUTH = "required"` is the switch a deployed Worker sets so that a
 * missing credential variable fails closed instead of leaving the API open.
 */
export const AUTH_ENV_VARS = ["TASKER_AUTH", ...CREDENTIAL_ENV_VARS, "TASKER_JWT_ISSUER", "TASKER_JWT_AUDIENCE"] as const;
/** The one value of `TASKER_AUTH`: credentials must be configured, or every /v1 request is refused. */
export const AUTH_REQUIRED = "required";
export type AuthEnvVar = (typeof AUTH_ENV_VARS)[number];
export type AuthEnvValues = Partial<Record<AuthEnvVar, unknown>>;

/** Shorter keys are guessable; 16 characters is the floor, 32 random bytes the recommendation. */
export const MIN_API_KEY_LENGTH = 16;
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_JWT_SECRET_BYTES = 32;
/** Below 2048 bits an RSA key is considered breakable (NIST SP 800-131A). */
export const MIN_RSA_MODULUS_BYTES = 256;

export type JwtAlgorithm = "HS256" | "RS256" | "ES256";

export interface ApiKeyEntry {
  name: string;
  key: string;
  permissions: string[];
  /** `null`: every namespace. */
  namespaces: string[] | null;
}

export interface PublicKeyEntry {
  alg: "RS256" | "ES256";
  kid: string | null;
  /** Only the public members, so an `alg`/`key_ops` quirk of the source can't change how the key imports. */
  jwk: JsonWebKey;
}

export interface JwtSettings {
  secret: string | null;
  publicKeys: PublicKeyEntry[];
  issuer: string | null;
  audience: string | null;
}

export interface AuthConfig {
  apiKeys: ApiKeyEntry[];
  /** `null` when no JWT key is configured: bearer tokens are then only checked as API keys. */
  jwt: JwtSettings | null;
}

export class AuthConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`authentication is misconfigured: ${problems.join("; ")}`);
    this.name = "AuthConfigError";
  }
}

const name = z.string().trim().min(1).max(255);

const ApiKeySchema = z.strictObject({
  name,
  key: z.string().min(MIN_API_KEY_LENGTH).max(1_024),
  permissions: z
    .array(z.string().refine(isGrantablePattern, { error: (issue) => `unknown permission ${JSON.stringify(issue.input)}` }))
    .min(1),
  // An empty list would lock the key out of everything, which is never what was meant: omit it for "all".
  namespaces: z.array(name).min(1).optional(),
  description: z.string().optional(),
});

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url without padding");

// Extra members (x5c, x5t, …) are common in keys exported by identity providers and are ignored.
const RsaJwkSchema = z.looseObject({
  kty: z.literal("RSA"),
  n: base64url.refine((n) => Math.floor((n.length * 6) / 8) >= MIN_RSA_MODULUS_BYTES, "RSA modulus must be at least 2048 bits"),
  e: base64url,
  alg: z.literal("RS256").optional(),
  kid: z.string().min(1).optional(),
  use: z.literal("sig").optional(),
});
const EcJwkSchema = z.looseObject({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: base64url,
  y: base64url,
  alg: z.literal("ES256").optional(),
  kid: z.string().min(1).optional(),
  use: z.literal("sig").optional(),
});
const PublicJwkSchema = z
  .discriminatedUnion("kty", [RsaJwkSchema, EcJwkSchema])
  .refine((jwk) => !("d" in jwk), "is a private key (it has `d`); configure the public key only");
const JwkSetSchema = z.strictObject({ keys: z.array(PublicJwkSchema).min(1) });

/** Set, but to nothing: what a deploy writes when its CI variable is unset. */
function isBlank(value: unknown): boolean {
  return value === null || (typeof value === "string" && value.trim() === "");
}

function present(value: unknown): boolean {
  return value !== undefined && !isBlank(value);
}

const NOT_JSON = Symbol("not JSON");

/** A secret is a string; a var in wrangler.toml may also arrive as already-parsed JSON. */
function readJsonVar(variable: AuthEnvVar, value: unknown, problems: string[]): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    problems.push(`${variable} is not valid JSON`);
    return NOT_JSON;
  }
}

function readStringVar(variable: AuthEnvVar, value: unknown, problems: string[]): string | null {
  if (!present(value)) return null;
  if (typeof value === "string") return value.trim();
  problems.push(`${variable} must be a string`);
  return null;
}

function collect<S extends z.ZodType>(
  variable: AuthEnvVar,
  schema: S,
  raw: unknown,
  problems: string[],
): z.output<S> | undefined {
  if (raw === NOT_JSON) return undefined;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) problems.push(`${formatPath(issue.path, variable)}: ${issue.message}`);
  return undefined;
}

function parseApiKeys(raw: unknown, problems: string[]): ApiKeyEntry[] {
  const entries = collect("TASKER_API_KEYS", z.array(ApiKeySchema), raw, problems) ?? [];
  const names = new Set<string>();
  const keys = new Map<string, string>();
  for (const entry of entries) {
    if (names.has(entry.name)) problems.push(`TASKER_API_KEYS: the name ${JSON.stringify(entry.name)} is used twice`);
    names.add(entry.name);
    // Name the entries, never the key itself: these problems are logged.
    const twin = keys.get(entry.key);
    if (twin !== undefined)
      problems.push(`TASKER_API_KEYS: ${JSON.stringify(twin)} and ${JSON.stringify(entry.name)} have the same key`);
    keys.set(entry.key, entry.name);
  }
  return entries.map((e) => ({ name: e.name, key: e.key, permissions: e.permissions, namespaces: e.namespaces ?? null }));
}

function toPublicKey(jwk: z.infer<typeof PublicJwkSchema>): PublicKeyEntry {
  if (jwk.kty === "RSA") return { alg: "RS256", kid: jwk.kid ?? null, jwk: { kty: "RSA", n: jwk.n, e: jwk.e } };
  return { alg: "ES256", kid: jwk.kid ?? null, jwk: { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y } };
}

function parsePublicKeys(raw: unknown, problems: string[]): PublicKeyEntry[] {
  // Chosen up front rather than with a union, so a problem is reported against the shape that was meant.
  if (typeof raw === "object" && raw !== null && "keys" in raw) {
    return collect("TASKER_JWT_PUBLIC_KEY", JwkSetSchema, raw, problems)?.keys.map(toPublicKey) ?? [];
  }
  const jwk = collect("TASKER_JWT_PUBLIC_KEY", PublicJwkSchema, raw, problems);
  return jwk === undefined ? [] : [toPublicKey(jwk)];
}

/** Whether `TASKER_AUTH` demands credentials; any value but `required` is a problem (it is not a secret, so it is quoted). */
function readAuthMode(value: unknown, problems: string[]): boolean {
  if (!present(value)) return false;
  if (typeof value === "string" && value.trim().toLowerCase() === AUTH_REQUIRED) return true;
  problems.push(
    `TASKER_AUTH must be "${AUTH_REQUIRED}" (or be left unset for an open local instance), not ${JSON.stringify(value)}`,
  );
  return false;
}

/**
 * The authentication settings, `null` when none of the variables is set at all (auth off), or an
 * `AuthConfigError` listing every problem. A variable that is set but empty or blank is a problem,
 * never "off": an unset CI variable must not open the API. Problems never quote a secret.
 */
export function parseAuthConfig(values: AuthEnvValues): AuthConfig | null {
  const set = AUTH_ENV_VARS.filter((v) => values[v] !== undefined);
  if (set.length === 0) return null;
  const problems: string[] = [];
  for (const variable of set) {
    if (isBlank(values[variable])) problems.push(`${variable} is set but empty: give it a value, or remove it`);
  }
  const required = readAuthMode(values.TASKER_AUTH, problems);
  if (required && !CREDENTIAL_ENV_VARS.some((v) => values[v] !== undefined)) {
    problems.push(`TASKER_AUTH is "${AUTH_REQUIRED}" but none of ${CREDENTIAL_ENV_VARS.join(", ")} is set`);
  }

  const apiKeys = present(values.TASKER_API_KEYS)
    ? parseApiKeys(readJsonVar("TASKER_API_KEYS", values.TASKER_API_KEYS, problems), problems)
    : [];

  const secret = readStringVar("TASKER_JWT_SECRET", values.TASKER_JWT_SECRET, problems);
  if (secret !== null && new TextEncoder().encode(secret).byteLength < MIN_JWT_SECRET_BYTES) {
    problems.push(`TASKER_JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes`);
  }
  const publicKeys = present(values.TASKER_JWT_PUBLIC_KEY)
    ? parsePublicKeys(readJsonVar("TASKER_JWT_PUBLIC_KEY", values.TASKER_JWT_PUBLIC_KEY, problems), problems)
    : [];
  const issuer = readStringVar("TASKER_JWT_ISSUER", values.TASKER_JWT_ISSUER, problems);
  const audience = readStringVar("TASKER_JWT_AUDIENCE", values.TASKER_JWT_AUDIENCE, problems);

  const hasJwtKey = present(values.TASKER_JWT_SECRET) || present(values.TASKER_JWT_PUBLIC_KEY);
  // An issuer or audience without a key would suggest tokens are checked when they never are.
  if (!hasJwtKey && (issuer !== null || audience !== null)) {
    problems.push("TASKER_JWT_ISSUER and TASKER_JWT_AUDIENCE need TASKER_JWT_SECRET or TASKER_JWT_PUBLIC_KEY");
  }

  if (problems.length > 0) throw new AuthConfigError(problems);
  return { apiKeys, jwt: hasJwtKey ? { secret, publicKeys, issuer, audience } : null };
}
