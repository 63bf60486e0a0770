// Authentication and authorization of the API: who is calling (API key or JWT), and what they may touch.
import type { Context, MiddlewareHandler } from "hono";
import type { Actor } from "../engine/task-run";
import { log } from "../log";
import type { TaskObjectClient } from "../task-object/client";
import { digestApiKeys, findApiKey, type KeyDigest } from "./api-keys";
import { AUTH_ENV_VARS, AuthConfigError, type AuthEnvValues, CREDENTIAL_ENV_VARS, parseAuthConfig } from "./auth-config";
import { ApiError, notFound, sendError } from "./errors";
import { type ClaimRules, importVerificationKeys, looksLikeJwt, type VerificationKey, verifyJwt } from "./jwt";
import { grants, inNamespaceScope, type NamespaceScope, type Permission } from "./permissions";
import { ANONYMOUS, type Principal, principalFromApiKey, principalFromClaims } from "./principal";

declare module "hono" {
  interface ContextVariableMap {
    principal: Principal;
  }
}

interface PreparedAuth {
  apiKeys: KeyDigest[];
  jwtKeys: VerificationKey[];
  claimRules: ClaimRules;
}

// Keyed by the raw variable values, so a changed secret (a new deployment, or a test's env) is picked
// up while an unchanged one is parsed, hashed and imported once per isolate.
const prepared = new Map<string, Promise<PreparedAuth | null>>();
const MAX_CACHED_CONFIGS = 8;
let announcedDisabled = false;

async function prepare(values: AuthEnvValues): Promise<PreparedAuth | null> {
  const config = parseAuthConfig(values);
  if (config === null) return null;
  return {
    apiKeys: await digestApiKeys(config.apiKeys),
    jwtKeys: config.jwt === null ? [] : await importVerificationKeys(config.jwt),
    claimRules: { issuer: config.jwt?.issuer ?? null, audience: config.jwt?.audience ?? null },
  };
}

/**
 * The prepared settings, or `null` while authentication is off. A bad configuration fails closed:
 * 503 `auth_misconfigured` (the server cannot serve until its operator fixes it; no retry by the
 * client helps sooner), with the problems, naming each variable, in the log.
 */
async function preparedAuth(env: unknown): Promise<PreparedAuth | null> {
  const source = (env ?? {}) as AuthEnvValues;
  if (AUTH_ENV_VARS.every((name) => source[name] === undefined)) return null;
  const key = JSON.stringify(AUTH_ENV_VARS.map((name) => source[name] ?? null));
  let entry = prepared.get(key);
  if (entry === undefined) {
    if (prepared.size >= MAX_CACHED_CONFIGS) prepared.clear();
    entry = prepare(source);
    prepared.set(key, entry);
  }
  try {
    return await entry;
  } catch (error) {
    const problems = error instanceof AuthConfigError ? error.problems : [`a JWT key could not be imported: ${String(error)}`];
    log("error", "auth.misconfigured", { problems });
    throw new ApiError(503, "auth_misconfigured", "authentication is misconfigured on this server; its log says why");
  }
}

/**
 * For `/health/ready`: whether the authentication settings are usable. The problems themselves go to
 * the `auth.misconfigured` log line only, since health routes are public.
 */
export async function authReadiness(env: unknown): Promise<string> {
  try {
    return (await preparedAuth(env)) === null ? "ok (off: no credentials configured)" : "ok";
  } catch {
    return "misconfigured: see the auth.misconfigured log line";
  }
}

type Identified = { principal: Principal } | { problem: string; presented: boolean };

/** X-API-Key wins over Authorization; a bearer token shaped like a JWT is a JWT when JWT keys are configured. */
async function identify(c: Context, auth: PreparedAuth): Promise<Identified> {
  const apiKey = c.req.header("x-api-key");
  const authorization = c.req.header("authorization");
  let credential: string;
  let bearer = false;
  if (apiKey !== undefined) {
    credential = apiKey.trim();
    if (credential === "") return { problem: "the X-API-Key header is empty", presented: true };
  } else if (authorization !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match?.[1]) return { problem: "the Authorization header must be `Bearer <API key or token>`", presented: true };
    credential = match[1];
    bearer = true;
  } else {
    return { problem: "credentials are required: send X-API-Key or Authorization: Bearer", presented: false };
  }

  if (bearer && auth.jwtKeys.length > 0 && looksLikeJwt(credential)) {
    const result = await verifyJwt(credential, auth.jwtKeys, auth.claimRules, Math.floor(Date.now() / 1000));
    if (!result.ok) return { problem: `invalid bearer token: ${result.reason}`, presented: true };
    const principal = principalFromClaims(result.claims);
    if ("invalid" in principal) return { problem: `invalid bearer token: ${principal.invalid}`, presented: true };
    return { principal };
  }
  const entry = await findApiKey(credential, auth.apiKeys);
  if (entry === null) return { problem: bearer ? "invalid bearer credentials" : "invalid API key", presented: true };
  return { principal: principalFromApiKey(entry) };
}

/**
 * Authenticates every request it guards and stores the caller as `c.get("principal")`; answers 401
 * with `WWW-Authenticate: Bearer` otherwise. With nothing configured everyone is `ANONYMOUS`, and the
 * first request of each isolate logs `auth.disabled` (Workers have no start-up hook to do it earlier).
 */
export function authenticate(): MiddlewareHandler {
  return async (c, next) => {
    const auth = await preparedAuth(c.env);
    if (auth === null) {
      if (!announcedDisabled) {
        announcedDisabled = true;
        log("warn", "auth.disabled", {
          message: `no ${CREDENTIAL_ENV_VARS.join(", ")} is set: the API accepts every request unauthenticated (local development only; a deployed Worker sets TASKER_AUTH = "required")`,
        });
      }
      c.set("principal", ANONYMOUS);
      await next();
      return;
    }
    const identified = await identify(c, auth);
    if ("problem" in identified) {
      log("warn", "auth.rejected", { method: c.req.method, path: c.req.path, reason: identified.problem });
      c.header(
        "WWW-Authenticate",
        identified.presented ? 'Bearer realm="tasker-edge", error="invalid_token"' : 'Bearer realm="tasker-edge"',
      );
      return sendError(c, new ApiError(401, "unauthorized", identified.problem));
    }
    c.set("principal", identified.principal);
    await next();
  };
}

/** The caller; a route reached without `authenticate()` in front of it is a wiring bug, refused rather than let through. */
export function principalOf(c: Context): Principal {
  const principal = c.get("principal") as Principal | undefined;
  if (principal === undefined)
    throw new Error(`no principal on ${c.req.method} ${c.req.path}: authenticate() is not in front of it`);
  return principal;
}

/** The caller as the audit records it: authoritative while authentication is on, `anonymous` (via `none`) while it is off. */
export function actorOf(c: Context): Actor {
  const { name, via } = principalOf(c);
  return { name, via };
}

const REQUIRED_PERMISSION = Symbol("requiredPermission");

/** Route middleware: 403 `forbidden` unless the caller holds the permission. Runs before the body is read. */
export function requirePermission(permission: Permission): MiddlewareHandler {
  const middleware: MiddlewareHandler = async (c, next) => {
    const principal = principalOf(c);
    if (!grants(principal.permissions, permission)) {
      throw new ApiError(403, "forbidden", `${principal.name} lacks the ${permission} permission`, {
        required_permission: permission,
      });
    }
    await next();
  };
  return Object.assign(middleware, { [REQUIRED_PERMISSION]: permission });
}

/** The permission a `requirePermission` middleware checks, so tests can prove every route declares one. */
export function requiredPermissionOf(handler: unknown): Permission | undefined {
  return typeof handler === "function" ? (handler as { [REQUIRED_PERMISSION]?: Permission })[REQUIRED_PERMISSION] : undefined;
}

export function namespaceScope(c: Context): NamespaceScope {
  return principalOf(c).namespaces;
}

export function canSeeNamespace(c: Context, namespace: string): boolean {
  return inNamespaceScope(namespaceScope(c), namespace);
}

/** 403 for a namespace the caller names itself (a new task, a template) but may not use. */
export function requireNamespace(c: Context, namespace: string): void {
  const principal = principalOf(c);
  if (!inNamespaceScope(principal.namespaces, namespace)) {
    throw new ApiError(403, "forbidden", `${principal.name} may not use namespace ${namespace}`, { namespace });
  }
}

/**
 * For routes on an existing task: a task outside the caller's namespaces answers the same 404 as a
 * missing one, so callers can't learn which task UUIDs exist elsewhere. Unscoped callers skip the lookup.
 */
export async function requireVisibleTask(c: Context, task: Pick<TaskObjectClient, "getTask">, taskUuid: string): Promise<void> {
  const scope = namespaceScope(c);
  if (scope === null) return;
  const answer = await task.getTask();
  if (!answer.ok || !inNamespaceScope(scope, answer.value.namespace)) throw notFound("task", taskUuid);
}
