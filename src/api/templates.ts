// Template routes: list and show the templates this engine runs (bundled and registered), register and validate.
import type { z } from "zod";
import { bundledTemplates, type FoundTemplate, lookupTemplate } from "../catalog/find-template";
import { listRegisteredTemplates, registerTemplate, templateContentHash } from "../catalog/templates";
import { workflowLoopThrough } from "../catalog/workflow-loops";
import type { TemplateDetailSchema, TemplateSummarySchema } from "../contract/responses";
import { ROUTES } from "../contract/routes";
import { log } from "../log";
import { reconcileTemplateSchedules } from "../schedules/reconcile";
import { differingPaths } from "../templates/diff";
import { compareVersions } from "../templates/registry";
import type { TaskTemplate, TemplateProblem } from "../templates/types";
import { canSeeNamespace, principalOf, requireNamespace } from "./auth";
import { ApiError, fromCatalog } from "./errors";
import { readQuery } from "./query-string";
import type { RouteHandler, RouteHandlers } from "./routes";
import { requireWithinStepCeiling } from "./step-ceiling";
import { checkTemplate, readTemplateBody } from "./template-body";
import { requireCallableWebhooks } from "./webhooks";
import { requireWorkflowScope } from "./workflow-scope";

type TemplateListing = z.output<typeof TemplateSummarySchema>;
type TemplateDetail = z.output<typeof TemplateDetailSchema>;

function byIdentity(a: TemplateListing, b: TemplateListing): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return compareVersions(a.version, b.version);
}

const listTemplates: RouteHandler<typeof ROUTES.listTemplates> = async (c, answer) => {
  const { namespace } = readQuery(c, ROUTES.listTemplates.query);
  const shipped: TemplateListing[] = bundledTemplates(c.env)
    .list(namespace ? { namespace } : undefined)
    .map((t) => ({
      name: t.name,
      namespace: t.namespace_name,
      version: t.version,
      description: t.description,
      step_count: t.steps.length,
      origin: "bundled",
    }));
  const identities = new Set(shipped.map((t) => JSON.stringify([t.namespace, t.name, t.version])));
  // A bundled template wins over a registered one of the same identity, as it does when tasks are created.
  const registered: TemplateListing[] = (await fromCatalog(listRegisteredTemplates(c.env.TASKER_DB, namespace)))
    .filter((t) => !identities.has(JSON.stringify([t.namespace, t.name, t.version])))
    .map((t) => ({ ...t, origin: "registered" }));
  // A namespace-scoped caller sees only its own namespaces' templates, as if the others did not exist.
  const templates = [...shipped, ...registered].filter((t) => canSeeNamespace(c, t.namespace)).sort(byIdentity);
  const counts = new Map<string, number>();
  for (const t of templates) counts.set(t.namespace, (counts.get(t.namespace) ?? 0) + 1);
  return answer({
    namespaces: [...counts].map(([name, template_count]) => ({ name, template_count })),
    templates,
    total_count: templates.length,
  });
};

function templateDetail(found: FoundTemplate): TemplateDetail {
  const { template } = found;
  return {
    name: template.name,
    namespace: template.namespace_name,
    version: template.version,
    description: template.description,
    metadata: template.metadata,
    input_schema: template.input_schema,
    identity_strategy: template.identity_strategy,
    origin: found.origin,
    ...(found.origin === "registered"
      ? {
          content_hash: found.content_hash,
          registered_by: found.registered_by,
          registered_at: new Date(found.registered_at).toISOString(),
        }
      : {}),
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
  };
}

const getTemplate: RouteHandler<typeof ROUTES.getTemplate> = async (c, answer) => {
  const { namespace, name, version } = c.req.param();
  requireNamespace(c, namespace);
  const found = await fromCatalog(lookupTemplate(c.env, namespace, name, version));
  if (!found) throw new ApiError(404, "template_not_found", `no template ${namespace}/${name}@${version}`);
  return answer(templateDetail(found));
};

/** Problems where the body's identity differs from the URL's, at the body's keys. */
function identityMismatches(
  template: TaskTemplate,
  path: { namespace: string; name: string; version: string },
): TemplateProblem[] {
  const pairs: [string, string, string][] = [
    ["namespace_name", template.namespace_name, path.namespace],
    ["name", template.name, path.name],
    ["version", template.version, path.version],
  ];
  return pairs
    .filter(([, body, url]) => body !== url)
    .map(([key, body, url]) => ({ path: key, message: `is ${JSON.stringify(body)} but the URL says ${JSON.stringify(url)}` }));
}

async function versionExists(
  existing: TaskTemplate,
  origin: "bundled" | "registered",
  template: TaskTemplate,
  existingHash: string,
) {
  const identity = `${template.namespace_name}/${template.name}@${template.version}`;
  return new ApiError(
    409,
    "template_version_exists",
    `${identity} is already ${origin === "bundled" ? "bundled with this orchestrator" : "registered"} with different content; a version never changes, register a new version instead`,
    {
      origin,
      existing_content_hash: existingHash,
      content_hash: await templateContentHash(template),
      differences: differingPaths(existing, template),
    },
  );
}

/**
 * Registers a template version: 201 the first time, 200 when the same content is sent again, 409
 * when the version exists with other content (bundled versions included). "Same content" is the
 * loaded template, defaults applied, so a YAML and a JSON rendering of one template are the same.
 */
const registerVersion: RouteHandler<typeof ROUTES.registerTemplate> = async (c, answer) => {
  const path = c.req.param() as { namespace: string; name: string; version: string };
  requireNamespace(c, path.namespace);
  const { source, format } = await readTemplateBody(c);
  const result = checkTemplate(source, format);
  if (!result.ok) {
    throw new ApiError(400, "invalid_template", `the template has ${result.problems.length} problem(s)`, result.problems);
  }
  const { template } = result;
  const mismatches = identityMismatches(template, path);
  if (mismatches.length > 0) {
    throw new ApiError(
      400,
      "template_identity_mismatch",
      "the template's namespace_name, name and version must match the URL",
      mismatches,
    );
  }
  requireWithinStepCeiling(c.env, template);
  await requireWorkflowScope(c, template);
  requireCallableWebhooks(c.env, [{ at: "webhooks", endpoints: template.webhooks ?? [] }]);
  const shipped = bundledTemplates(c.env).get(template.namespace_name, template.name, template.version);
  if (shipped) {
    const [existingHash, hash] = await Promise.all([templateContentHash(shipped), templateContentHash(template)]);
    if (existingHash !== hash) throw await versionExists(shipped, "bundled", template, existingHash);
    return answer(templateDetail({ origin: "bundled", template: shipped }), 200);
  }
  const loop = await fromCatalog(workflowLoopThrough(c.env, template));
  if (loop) {
    throw new ApiError(400, "workflow_cycle", `the template would start itself as a child task: ${loop.join(" → ")}`, { loop });
  }
  const registered = await fromCatalog(
    registerTemplate(c.env.TASKER_DB, {
      template,
      source,
      format,
      registeredBy: principalOf(c).name,
      now: Date.now(),
    }),
  );
  if (registered.outcome === "conflict") {
    throw await versionExists(registered.existing.template, "registered", template, registered.existing.content_hash);
  }
  // The schedules of the template's newest version come into force (or go) with the registration.
  if (registered.outcome === "created") {
    const principal = principalOf(c);
    await reconcileTemplateSchedules(c.env, template.namespace_name, template.name, principal).catch((error: unknown) =>
      log("error", "schedules.reconcile_failed", { template: template.name, error: String(error) }),
    );
  }
  return answer(templateDetail({ origin: "registered", ...registered.record }), registered.outcome === "created" ? 201 : 200);
};

/**
 * Checks a template without storing it: 200 with `valid` and every problem (syntax errors included,
 * at path ""). Only a body that cannot be a template at all is refused: empty (400), another media
 * type (415), or over the size limit (413).
 */
const validateTemplate: RouteHandler<typeof ROUTES.validateTemplate> = async (c, answer) => {
  const { source, format } = await readTemplateBody(c);
  const result = checkTemplate(source, format);
  if (!result.ok) return answer({ valid: false, problems: result.problems });
  const { template } = result;
  return answer({
    valid: true,
    problems: [],
    template: {
      namespace: template.namespace_name,
      name: template.name,
      version: template.version,
      step_count: template.steps.length,
      content_hash: await templateContentHash(template),
    },
  });
};

/** The template operations of the routes table. */
export const templateHandlers = {
  listTemplates,
  getTemplate,
  registerTemplate: registerVersion,
  validateTemplate,
} satisfies RouteHandlers;
