// The HTTP API: the contract's routes, body limit, 404/405 handling, and the error envelope for every failure.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { openApiDocument } from "../contract/openapi";
import { log } from "../log";
import { MAX_REQUEST_BYTES } from "../shared/limits";
import { authenticate } from "./auth";
import { bulkJobHandlers } from "./bulk-jobs";
import { ApiError, errorBody, sendError } from "./errors";
import { eventHandlers } from "./events";
import { healthHandlers } from "./health";
import { rateLimitWrites } from "./rate-limit";
import { type AppEnv, allowedMethods, registerRoutes } from "./routes";
import { scheduleHandlers } from "./schedules";
import { traceSubmits } from "./submit-trace";
import { taskHandlers } from "./tasks";
import { templateHandlers } from "./templates";
import { webhookHandlers } from "./webhooks";

export const app = new Hono<AppEnv>();

// Under TASKER_TRACE=1, each task submission's phases, the middleware below included, in one trace line.
app.use("/v1/tasks", traceSubmits());

// Everything under /v1 needs credentials (when configured); health checks stay public. Before the body
// limit, so an unauthenticated client can't make the Worker buffer a body at all.
app.use("/v1/*", authenticate());
// Then each caller's write budget, before anything reads the body.
app.use("/v1/*", rateLimitWrites());

app.use(
  "*",
  bodyLimit({
    maxSize: MAX_REQUEST_BYTES,
    onError: (c) => c.json(errorBody("payload_too_large", `request body exceeds ${MAX_REQUEST_BYTES} bytes`), 413),
  }),
);

// Every route of the contract's table (src/contract/routes.ts), each by its operation id.
registerRoutes(app, {
  ...healthHandlers,
  openApiDocument: (_c, answer) => answer(openApiDocument()),
  ...taskHandlers,
  ...templateHandlers,
  ...bulkJobHandlers,
  ...webhookHandlers,
  ...scheduleHandlers,
  ...eventHandlers,
});

/** Known paths answer other methods with 405 and an `Allow` header instead of a 404. */
for (const [path, methods] of allowedMethods()) {
  app.all(path, (c) => {
    c.header("Allow", methods.join(", "));
    return sendError(
      c,
      new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${methods.join(" or ")}`),
    );
  });
}

app.notFound((c) => sendError(c, new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`)));

app.onError((error, c) => {
  if (error instanceof ApiError) return sendError(c, error);
  log("error", "api.unhandled_error", { method: c.req.method, path: c.req.path, error: String(error) });
  return sendError(c, new ApiError(500, "internal_error", "the server failed to handle this request"));
});
