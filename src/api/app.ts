// The HTTP API: routes, body limit, 404/405 handling, and the error envelope for every failure.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { log } from "../log";
import { MAX_REQUEST_BYTES } from "../shared/limits";
import { authenticate } from "./auth";
import { ApiError, errorBody, sendError } from "./errors";
import { healthRoutes } from "./health";
import { openApiDocument } from "./openapi";
import { noQuery } from "./query-string";
import { rateLimitWrites } from "./rate-limit";
import { taskRoutes } from "./tasks";
import { templateRoutes } from "./templates";

export const app = new Hono<{ Bindings: Env }>();

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

app.route("/health", healthRoutes);
app.get("/openapi.json", noQuery(), (c) => c.json(openApiDocument()));

app.route("/v1/tasks", taskRoutes);
app.route("/v1/templates", templateRoutes);

/** Known paths answer other methods with 405 and an `Allow` header instead of a 404. */
const ALLOWED_METHODS: [string, string[]][] = [
  ["/health", ["GET"]],
  ["/health/live", ["GET"]],
  ["/health/ready", ["GET"]],
  ["/openapi.json", ["GET"]],
  ["/v1/tasks", ["GET", "POST"]],
  ["/v1/tasks/:task_uuid", ["GET", "PATCH", "DELETE"]],
  ["/v1/tasks/:task_uuid/transitions", ["GET"]],
  ["/v1/tasks/:task_uuid/workflow_steps", ["GET"]],
  ["/v1/tasks/:task_uuid/workflow_steps/:step_uuid", ["GET", "PATCH"]],
  ["/v1/tasks/:task_uuid/workflow_steps/:step_uuid/audit", ["GET"]],
  ["/v1/templates", ["GET"]],
  ["/v1/templates/validate", ["POST"]],
  ["/v1/templates/:namespace/:name/:version", ["GET", "PUT"]],
];
for (const [path, methods] of ALLOWED_METHODS) {
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
