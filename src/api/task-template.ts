// Which template a task submission runs: the namespace and version it names, or the ones it leaves to the engine.
import type { Context } from "hono";
import { findTemplate, namespacesHolding } from "../catalog/find-template";
import type { TaskTemplate } from "../templates/types";
import { canSeeNamespace, requireNamespace } from "./auth";
import { ApiError, fromCatalog } from "./errors";

/**
 * The namespace of a submission that names none: the one namespace the caller may use that holds a
 * template of this name, bundled or registered. Namespaces outside the caller's scope are not
 * candidates, so they neither make the name ambiguous nor reveal that they exist.
 */
async function onlyNamespaceHolding(c: Context<{ Bindings: Env }>, name: string): Promise<string> {
  const candidates = (await fromCatalog(namespacesHolding(c.env, name))).filter((namespace) => canSeeNamespace(c, namespace));
  const [only] = candidates;
  if (only === undefined) throw new ApiError(404, "template_not_found", `no template named ${name} in any namespace`);
  if (candidates.length > 1) {
    throw new ApiError(
      400,
      "ambiguous_template",
      `templates named ${name} exist in ${candidates.length} namespaces (${candidates.join(", ")}); name one with "namespace"`,
      { name, namespaces: candidates },
    );
  }
  return only;
}

/**
 * The template a submission runs. `namespace` left out: the only one holding the name (else 400
 * `ambiguous_template`); `version` left out: the newest, bundled and registered alike. The result
 * carries the resolved identity, which is what the task records and its identity hash covers, so
 * a short and a full submission of the same thing are the same task.
 */
export async function resolveTaskTemplate(
  c: Context<{ Bindings: Env }>,
  request: { name: string; namespace?: string | undefined; version?: string | undefined },
): Promise<TaskTemplate> {
  const namespace = request.namespace ?? (await onlyNamespaceHolding(c, request.name));
  requireNamespace(c, namespace);
  const template = await fromCatalog(findTemplate(c.env, namespace, request.name, request.version ?? null));
  if (!template) {
    const which =
      request.version === undefined
        ? `any version of ${namespace}/${request.name}`
        : `${namespace}/${request.name}@${request.version}`;
    throw new ApiError(404, "template_not_found", `no template ${which}`);
  }
  return template;
}
