// Serves the contract's routes table: one handler per operation id, its permission and query check in front, answers shaped by its response schemas.
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { type HttpMethod, type OperationId, ROUTES, type RouteContract } from "../contract/routes";
import { log } from "../log";
import { requirePermission } from "./auth";
import { errorBody, zodProblems } from "./errors";
import { noQuery } from "./query-string";

export type AppEnv = { Bindings: Env };

type SuccessStatus<R extends RouteContract> = keyof R["responses"] & number;

/**
 * Answers a route with one of its declared statuses and a body of that status's schema type; the
 * status may be left out on a route with one success status.
 */
export type Answer<R extends RouteContract> = <S extends SuccessStatus<R>>(
  body: z.output<R["responses"][S]>,
  status?: S,
) => Response;

/** `/v1/tasks/{task_uuid}` as Hono writes it, as a type: `/v1/tasks/:task_uuid` (so `c.req.param` knows the names). */
type HonoPath<P extends string> = P extends `${infer Head}{${infer Name}}${infer Tail}` ? `${Head}:${Name}${HonoPath<Tail>}` : P;

export type RouteHandler<R extends RouteContract> = (
  c: Context<AppEnv, HonoPath<R["path"]>>,
  answer: Answer<R>,
) => Response | Promise<Response>;

/** The handlers of some operations: `satisfies RouteHandlers` types each one by its route. */
export type RouteHandlers = { [K in OperationId]?: RouteHandler<(typeof ROUTES)[K]> };

/** `/v1/tasks/{task_uuid}` as Hono writes it: `/v1/tasks/:task_uuid`. */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

/**
 * Whether answers are checked against their response schemas: on where the Worker's environment
 * sets `TASKER_CHECK_RESPONSES` (the tests do; set it in `.dev.vars` for `wrangler dev`). Off in
 * production, where the types already shape every answer and a parse of each step list would cost.
 */
function checksResponses(c: Context): boolean {
  const env = c.env as Record<string, unknown> | undefined;
  return env?.TASKER_CHECK_RESPONSES !== undefined && env.TASKER_CHECK_RESPONSES !== "" && env.TASKER_CHECK_RESPONSES !== "off";
}

/** The `answer` a route's handler gets: sends the body as JSON, first checking it against its schema where checks are on. */
export function answerFor<R extends RouteContract>(c: Context, operationId: string, route: R): Answer<R> {
  const [firstStatus] = Object.keys(route.responses).map(Number);
  return (body, status) => {
    const code = (status ?? firstStatus) as ContentfulStatusCode;
    if (checksResponses(c)) {
      const schema = route.responses[code];
      const checked = schema?.safeParse(body);
      if (!checked?.success) {
        const problems = checked ? zodProblems(checked.error) : [{ path: "", message: `status ${code} is not declared` }];
        log("error", "api.response_mismatch", { operation: operationId, status: code, problems });
        return c.json(
          errorBody("response_mismatch", `the answer of ${operationId} does not match its response schema`, problems),
          500,
        );
      }
    }
    return c.json(body as object, code);
  };
}

/** Registers every route of the table; the type asks for a handler for each operation id. */
export function registerRoutes(app: Hono<AppEnv>, handlers: Required<RouteHandlers>): void {
  for (const [operationId, route] of Object.entries(ROUTES) as [OperationId, RouteContract][]) {
    const handler = handlers[operationId] as RouteHandler<RouteContract>;
    const checks: MiddlewareHandler[] = [];
    if (route.permission) checks.push(requirePermission(route.permission));
    if (!route.query) checks.push(noQuery());
    app.on(route.method, [honoPath(route.path)], ...checks, (c: Context<AppEnv>) => handler(c, answerFor(c, operationId, route)));
  }
}

/** Each path of the table with its methods, in table order: what a 405's `Allow` header lists. */
export function allowedMethods(): Map<string, HttpMethod[]> {
  const allowed = new Map<string, HttpMethod[]>();
  for (const route of Object.values(ROUTES) as RouteContract[]) {
    const path = honoPath(route.path);
    allowed.set(path, [...(allowed.get(path) ?? []), route.method]);
  }
  return allowed;
}
