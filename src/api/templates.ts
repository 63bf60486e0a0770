// Template routes: list the templates this engine can run, and show one.
import { Hono } from "hono";
import { canSeeNamespace, requireNamespace, requirePermission } from "./auth";
import { ApiError } from "./errors";
import { templateRegistry } from "./template-registry";

export const templateRoutes = new Hono<{ Bindings: Env }>();

templateRoutes.get("/", requirePermission("templates:read"), (c) => {
  const namespace = c.req.query("namespace");
  // A namespace-scoped caller sees only its own namespaces' templates, as if the others did not exist.
  const templates = templateRegistry()
    .list(namespace ? { namespace } : undefined)
    .filter((t) => canSeeNamespace(c, t.namespace_name));
  const counts = new Map<string, number>();
  for (const t of templates) counts.set(t.namespace_name, (counts.get(t.namespace_name) ?? 0) + 1);
  return c.json({
    namespaces: [...counts].map(([name, template_count]) => ({ name, template_count })),
    templates: templates.map((t) => ({
      name: t.name,
      namespace: t.namespace_name,
      version: t.version,
      description: t.description,
      step_count: t.steps.length,
    })),
    total_count: templates.length,
  });
});

templateRoutes.get("/:namespace/:name/:version", requirePermission("templates:read"), (c) => {
  const { namespace, name, version } = c.req.param();
  requireNamespace(c, namespace);
  const template = templateRegistry().get(namespace, name, version);
  if (!template) throw new ApiError(404, "template_not_found", `no template ${namespace}/${name}@${version}`);
  return c.json({
    name: template.name,
    namespace: template.namespace_name,
    version: template.version,
    description: template.description,
    metadata: template.metadata,
    input_schema: template.input_schema,
    steps: template.steps.map((s) => ({
      name: s.name,
      description: s.description,
      type: s.type,
      callable: s.handler.callable,
      dependencies: s.dependencies,
      default_retryable: s.retry.retryable,
      default_max_attempts: s.retry.max_attempts,
      retry: s.retry,
      timeout_seconds: s.timeout_seconds,
    })),
  });
});
