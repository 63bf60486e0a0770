// The OpenAPI 3.1 document of the API: request bodies come from the same zod schemas that validate them.
import { z } from "zod";
import { TemplateSchema } from "../templates/schema";
import { StepListQuerySchema, TemplateListQuerySchema } from "./list-queries";
import { CancelRequestSchema, StepActionSchema, TaskActionSchema, TaskRequestSchema } from "./schemas";
import { TaskListQuerySchema } from "./task-query";

type Method = "get" | "post" | "put" | "patch" | "delete";

interface Operation {
  method: Method;
  path: string;
  summary: string;
  permission?: string;
  body?: z.ZodType;
  bodyRequired?: boolean;
  /** The body is a template, sent as YAML or JSON. */
  templateBody?: boolean;
  query?: z.ZodObject;
  success: { status: number; description: string };
  errors: number[];
}

const TASK = "/v1/tasks/{task_uuid}";
const STEP = `${TASK}/workflow_steps/{step_uuid}`;

/** Every route of the API; a test checks this list against the routes the app really serves. */
export const OPERATIONS: readonly Operation[] = [
  { method: "get", path: "/health", summary: "Health", success: { status: 200, description: "healthy" }, errors: [] },
  { method: "get", path: "/health/live", summary: "Liveness", success: { status: 200, description: "alive" }, errors: [] },
  {
    method: "get",
    path: "/health/ready",
    summary: "Readiness: bindings and bundled templates",
    success: { status: 200, description: "ready, with the checks made" },
    errors: [503],
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    success: { status: 200, description: "OpenAPI 3.1" },
    errors: [],
  },
  {
    method: "get",
    path: "/v1/tasks",
    summary: "List tasks from the index, newest first, filtered and paginated",
    permission: "tasks:list",
    query: TaskListQuerySchema,
    success: { status: 200, description: "{ tasks: TaskSummary[], pagination }" },
    errors: [400, 401, 403, 503],
  },
  {
    method: "post",
    path: "/v1/tasks",
    summary: "Submit a task",
    permission: "tasks:create",
    body: TaskRequestSchema,
    bodyRequired: true,
    success: { status: 201, description: "the created task (TaskView)" },
    errors: [400, 401, 403, 404, 409, 413, 503],
  },
  {
    method: "get",
    path: TASK,
    summary: "Read a task with its step counts",
    permission: "tasks:read",
    success: { status: 200, description: "the task (TaskView)" },
    errors: [400, 401, 403, 404],
  },
  {
    method: "patch",
    path: TASK,
    summary: "End a blocked task: give_up or resolve_manually",
    permission: "tasks:resolve",
    body: TaskActionSchema,
    bodyRequired: true,
    success: { status: 200, description: "the task (TaskView)" },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: "delete",
    path: TASK,
    summary: "Cancel a task and its unfinished steps",
    permission: "tasks:cancel",
    body: CancelRequestSchema,
    success: { status: 200, description: "the cancelled task (TaskView)" },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: "get",
    path: `${TASK}/transitions`,
    summary: "The task's transitions, oldest first",
    permission: "tasks:read",
    success: { status: 200, description: "{ task_uuid, transitions: TransitionView[] }" },
    errors: [400, 401, 403, 404],
  },
  {
    method: "get",
    path: `${TASK}/workflow_steps`,
    summary: "The task's steps in template order",
    permission: "steps:read",
    query: StepListQuerySchema,
    success: { status: 200, description: "{ task_uuid, total_count, steps: StepView[] }" },
    errors: [400, 401, 403, 404],
  },
  {
    method: "get",
    path: STEP,
    summary: "Read one step",
    permission: "steps:read",
    success: { status: 200, description: "the step (StepView)" },
    errors: [400, 401, 403, 404],
  },
  {
    method: "patch",
    path: STEP,
    summary: "Operator action on a step: reset_for_retry, resolve_manually or complete_manually",
    permission: "steps:resolve",
    body: StepActionSchema,
    bodyRequired: true,
    success: { status: 200, description: "the step (StepView)" },
    errors: [400, 401, 403, 404, 409, 413],
  },
  {
    method: "get",
    path: `${STEP}/audit`,
    summary: "The step's transitions, oldest first",
    permission: "steps:read",
    success: { status: 200, description: "{ task_uuid, step_uuid, transitions: TransitionView[] }" },
    errors: [400, 401, 403, 404],
  },
  {
    method: "get",
    path: "/v1/templates",
    summary: "List templates (optionally ?namespace=)",
    permission: "templates:read",
    query: TemplateListQuerySchema,
    success: { status: 200, description: "{ namespaces, templates, total_count }" },
    errors: [401, 403, 503],
  },
  {
    method: "get",
    path: "/v1/templates/{namespace}/{name}/{version}",
    summary: "Read one template",
    permission: "templates:read",
    success: { status: 200, description: "the template with its steps" },
    errors: [401, 403, 404, 503],
  },
  {
    method: "put",
    path: "/v1/templates/{namespace}/{name}/{version}",
    summary: "Register a template version (YAML or JSON); a registered version never changes",
    permission: "templates:write",
    body: TemplateSchema,
    bodyRequired: true,
    templateBody: true,
    success: { status: 201, description: "registered (200: the same content was already registered)" },
    errors: [400, 401, 403, 409, 413, 415, 503],
  },
  {
    method: "post",
    path: "/v1/templates/validate",
    summary: "Validate a template (YAML or JSON) without storing it",
    permission: "templates:validate",
    body: TemplateSchema,
    bodyRequired: true,
    templateBody: true,
    success: { status: 200, description: "{ valid, problems: [{ path, message }], template? }" },
    errors: [400, 401, 403, 413, 415],
  },
];

const ERROR_ENVELOPE = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
    },
  },
};

function requestSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return json;
}

function parameters(path: string, query?: z.ZodObject): Record<string, unknown>[] {
  const inPath = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (!query) return inPath;
  const { properties = {} } = requestSchema(query) as { properties?: Record<string, Record<string, unknown>> };
  const inQuery = Object.entries(properties).map(([name, { description, ...schema }]) => ({
    name,
    in: "query",
    required: false,
    ...(description === undefined ? {} : { description }),
    schema,
  }));
  return [...inPath, ...inQuery];
}

/**
 * The route's own errors plus what the middleware in front of every /v1 route answers: 503 while
 * authentication or the limits are misconfigured, and 429 for a write past the caller's budget.
 */
function answeredErrors(op: Operation): number[] {
  // Every route refuses query parameters it does not take (400), and every body route other media types (415).
  const errors = new Set([400, ...op.errors, ...(op.body ? [415] : [])]);
  if (op.path.startsWith("/v1/")) {
    errors.add(503);
    if (op.method !== "get") errors.add(429);
  }
  return [...errors].sort((a, b) => a - b);
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {
      [op.success.status]: {
        description: op.success.description,
        content: { "application/json": { schema: { type: "object" } } },
      },
    };
    for (const status of answeredErrors(op)) {
      responses[status] = {
        description: "error",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
    }
    const operation: Record<string, unknown> = { summary: op.summary, parameters: parameters(op.path, op.query), responses };
    if (op.permission) {
      operation["x-permission"] = op.permission;
      operation.security = [{ apiKey: [] }, { bearer: [] }];
    }
    if (op.body) {
      const schema = requestSchema(op.body);
      const types = op.templateBody
        ? ["application/yaml", "text/yaml", "application/x-yaml", "application/json"]
        : ["application/json"]; // or any application/*+json, in UTF-8
      operation.requestBody = {
        required: op.bodyRequired ?? false,
        content: Object.fromEntries(types.map((type) => [type, { schema }])),
      };
    }
    paths[op.path] = { ...paths[op.path], [op.method]: operation };
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "tasker-edge",
      version: "0.1.0",
      description: "A DAG workflow engine on Cloudflare. Security applies only when auth is configured (see the README).",
    },
    paths,
    components: {
      schemas: { Error: ERROR_ENVELOPE },
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        bearer: { type: "http", scheme: "bearer", description: "an API key or a JWT" },
      },
    },
  };
  return cached;
}
