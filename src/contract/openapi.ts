// The OpenAPI 3.1 document of the API, generated from the routes table: request and response schemas are the zod schemas the server uses.
import { z } from "zod";
import { type OpenApiDocumentSchema, responseSchemas } from "./responses";
import { answeredErrors, ROUTES, type RouteContract, successStatuses } from "./routes";

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

const REF = (id: string) => `#/components/schemas/${id}`;

/** Every named response schema as an OpenAPI component, referring to each other by `$ref`. */
function responseComponents(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(responseSchemas, {
    io: "output",
    uri: REF,
    unrepresentable: "any",
    // `format: date-time` says it; zod's long equivalent pattern only adds noise.
    override: ({ jsonSchema }) => {
      if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
    },
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]));
}

/** A `$ref` to a response schema's component: every schema a route answers with is named in the registry. */
function responseRef(schema: z.ZodType, where: string): { $ref: string } {
  const id = responseSchemas.get(schema)?.id;
  if (id === undefined) throw new Error(`${where}: its response schema has no id in the registry`);
  return { $ref: REF(id) };
}

function responsesOf(operationId: string, route: RouteContract): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const status of successStatuses(route)) {
    const schema = route.responses[status] as z.ZodType;
    responses[status] = {
      description: responseSchemas.get(schema)?.description ?? responseSchemas.get(schema)?.id ?? "success",
      content: { "application/json": { schema: responseRef(schema, operationId) } },
    };
  }
  for (const status of answeredErrors(route)) {
    responses[status] = { description: "an error", content: { "application/json": { schema: { $ref: REF("Error") } } } };
  }
  return responses;
}

export type OpenApiDocument = z.output<typeof OpenApiDocumentSchema>;

let cached: OpenApiDocument | undefined;

export function openApiDocument(): OpenApiDocument {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, route] of Object.entries(ROUTES) as [string, RouteContract][]) {
    const operation: Record<string, unknown> = {
      operationId,
      summary: route.summary,
      parameters: parameters(route.path, route.query),
      responses: responsesOf(operationId, route),
    };
    if (route.permission) {
      operation["x-permission"] = route.permission;
      operation.security = [{ apiKey: [] }, { bearer: [] }];
    }
    if (route.body) {
      const schema = requestSchema(route.body.schema);
      const types =
        route.body.media === "template"
          ? ["application/yaml", "text/yaml", "application/x-yaml", "application/json"]
          : ["application/json"]; // or any application/*+json, in UTF-8
      operation.requestBody = {
        required: route.body.required,
        content: Object.fromEntries(types.map((type) => [type, { schema }])),
      };
    }
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "tasker-edge",
      version: "0.1.0",
      description: "A DAG workflow engine on Cloudflare. Security applies only when auth is configured (see docs/security.md).",
    },
    paths,
    components: {
      schemas: responseComponents(),
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        bearer: { type: "http", scheme: "bearer", description: "an API key or a JWT" },
      },
    },
  };
  return cached;
}
