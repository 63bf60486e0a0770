// Per-caller rate limits on writes and on task creation: 429 with Retry-After once a caller's budget is spent.
import type { Context, MiddlewareHandler } from "hono";
import { type LimitsReading, readLimits } from "../limits-config";
import { log } from "../log";
import { ALLOWANCE_REQUEST, Allowances } from "../rate-limit/allowances";
import type { BucketLimit, TakeResult } from "../rate-limit/token-buckets";
import { principalOf } from "./auth";
import { ApiError, sendError } from "./errors";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

interface RateLimiterStub {
  take(limits: BucketLimit[], wanted: number): Promise<TakeResult>;
}

/** Tokens this isolate holds for callers, so most writes cost no round trip to the limiter object. */
const allowances = new Allowances();

/**
 * Whose budget a request spends: the API key or token subject, or, while authentication is off,
 * the client's address (Cloudflare sets `CF-Connecting-IP`), so one noisy client cannot starve the rest.
 */
export function rateLimitKey(c: Context): string {
  const principal = principalOf(c);
  if (principal.via === "none") return `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`;
  return `${principal.via}:${principal.name}`;
}

const MISSING_BINDING =
  "the RATE_LIMITER Durable Object binding is missing: bind the RateLimiter class, or set TASKER_WRITES_PER_MINUTE and TASKER_TASK_CREATES_PER_MINUTE to off";

/** The configured limits, with every problem of their configuration, the binding the rate limits need included. */
function checkedLimits(env: Env): LimitsReading {
  const { config, problems } = readLimits(env);
  const limited = config.writesPerMinute !== null || config.taskCreatesPerMinute !== null;
  const bound = typeof (env.RATE_LIMITER as Env["RATE_LIMITER"] | undefined)?.getByName === "function";
  return { config, problems: limited && !bound ? [...problems, MISSING_BINDING] : problems };
}

/** For `/health/ready`: whether the limits are usable; the problems go to the log only, since health routes are public. */
export function limitsReadiness(env: Env): string {
  return checkedLimits(env).problems.length === 0 ? "ok" : "misconfigured: see the limits.misconfigured log line";
}

function limitsMisconfigured(problems: string[]): ApiError {
  log("error", "limits.misconfigured", { problems });
  return new ApiError(
    503,
    "limits_misconfigured",
    "the rate limits or the step ceiling are misconfigured on this server; its log says why",
  );
}

/**
 * Counts every POST, PUT, PATCH and DELETE under /v1 against the caller's `writes` budget, and
 * `POST /v1/tasks` against its `task_creates` budget too; reads are never limited. Runs after
 * authentication (the budget is the principal's) and before permissions and the body are read, so
 * refused and malformed writes spend it as well. A limiter that does not answer lets the request
 * through (logged): an outage of the limiter must not take the API down.
 */
export function rateLimitWrites(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    if (!WRITE_METHODS.has(c.req.method)) return next();
    const { config, problems } = checkedLimits(c.env);
    if (problems.length > 0) throw limitsMisconfigured(problems);
    const limits: BucketLimit[] = [];
    if (config.writesPerMinute !== null) limits.push({ name: "writes", perMinute: config.writesPerMinute });
    if (config.taskCreatesPerMinute !== null && c.req.method === "POST" && c.req.path === "/v1/tasks") {
      limits.push({ name: "task_creates", perMinute: config.taskCreatesPerMinute });
    }
    if (limits.length === 0) return next();
    const key = rateLimitKey(c);
    // The limits are part of the budget's name, so tokens held under old settings are never spent under new ones.
    const budget = JSON.stringify([key, limits]);
    if (allowances.spend(budget, Date.now())) return next();
    let outcome: TakeResult;
    try {
      const limiter = c.env.RATE_LIMITER.getByName(key) as unknown as RateLimiterStub;
      outcome = await limiter.take(limits, ALLOWANCE_REQUEST);
    } catch (error) {
      log("error", "rate_limit.unavailable", { method: c.req.method, path: c.req.path, error: String(error) });
      return next();
    }
    if (outcome.allowed) {
      allowances.keep(budget, outcome.granted - 1, Date.now());
      return next();
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
    log("warn", "rate_limit.refused", { key, limit: outcome.limit, method: c.req.method, path: c.req.path });
    c.header("Retry-After", String(retryAfterSeconds));
    return sendError(
      c,
      new ApiError(
        429,
        "rate_limited",
        `too many ${outcome.limit === "task_creates" ? "task creations" : "writes"}: at most ${outcome.perMinute} a minute; retry in ${retryAfterSeconds} s`,
        { limit: outcome.limit, per_minute: outcome.perMinute, retry_after_seconds: retryAfterSeconds },
      ),
    );
  };
}
