// Health routes: liveness (the Worker answers) and readiness (its bindings, catalog and templates are usable).
import type { Context } from "hono";
import { bundledTemplates } from "../catalog/find-template";
import { ensureCatalog } from "../catalog/schema";
import type { ROUTES } from "../contract/routes";
import { log } from "../log";
import { configOf } from "../orchestrator-config";
import { DEFAULT_QUEUE_BINDING } from "../shared/queue-routing";
import { authReadiness } from "./auth";
import { errorBody } from "./errors";
import { limitsReadiness } from "./rate-limit";
import type { Answer, AppEnv, RouteHandlers } from "./routes";

const now = () => new Date().toISOString();

export const healthHandlers = {
  health: (_c, answer) => answer({ status: "healthy", service: "tasker-edge", time: now() }),
  liveness: (_c, answer) => answer({ status: "alive", time: now() }),
  readiness: (c, answer) => readiness(c, answer),
} satisfies RouteHandlers;

/**
 * Ready when the task-object namespace, the default step queue and every queue the `queues` option
 * names are bound, the catalog database
 * answers with its schema current, every bundled template loads, and the authentication and limit settings parse (with the
 * rate limiter bound while rate limits are on).
 */
async function readiness(c: Context<AppEnv>, answer: Answer<typeof ROUTES.readiness>): Promise<Response> {
  const env = c.env as unknown as Record<string, unknown>;
  const checks: Record<string, string> = {
    task_objects:
      typeof (env.TASKS as { getByName?: unknown } | undefined)?.getByName === "function" ? "ok" : "missing binding TASKS",
    step_queue:
      typeof (env[DEFAULT_QUEUE_BINDING] as { send?: unknown } | undefined)?.send === "function"
        ? "ok"
        : `missing binding ${DEFAULT_QUEUE_BINDING}`,
    catalog: "ok",
    templates: "ok",
    queues: queuesReadiness(env),
    auth: await authReadiness(env),
    limits: limitsReadiness(c.env),
  };
  const db = env.TASKER_DB as D1Database | undefined;
  if (typeof db?.prepare !== "function") checks.catalog = "missing binding TASKER_DB";
  else {
    try {
      await ensureCatalog(db);
    } catch (error) {
      // The public answer says what failed; the error itself (driver text, SQL) goes to the log only.
      log("error", "health.catalog_unavailable", { error: String(error) });
      checks.catalog = "unavailable: the catalog database did not answer";
    }
  }
  try {
    checks.templates = `ok (${bundledTemplates(c.env).list().length} loaded)`;
  } catch (error) {
    log("error", "health.templates_failed", { error: String(error) });
    checks.templates = "failed to load: see the Worker's log";
  }
  const ready = Object.values(checks).every((v) => v.startsWith("ok"));
  if (!ready) return c.json(errorBody("not_ready", "a dependency of this Worker is not usable", { checks }), 503);
  return answer({ status: "ready", checks, time: now() });
}

/** Whether every producer binding the orchestrator's `queues` option routes a namespace to exists. */
function queuesReadiness(env: Record<string, unknown>): string {
  const missing = Object.entries(configOf(env).queues)
    .filter(([, binding]) => typeof (env[binding] as { send?: unknown } | undefined)?.send !== "function")
    .map(([namespace, binding]) => `${binding} (namespace ${namespace})`);
  return missing.length === 0 ? "ok" : `missing binding ${missing.join(", ")}`;
}
