// Refuses a template whose sub-workflows would reach a namespace outside the caller's, at registration and at task creation.
import type { Context } from "hono";
import { workflowScopeEscape } from "../catalog/workflow-scope";
import { NAMESPACE_OUT_OF_SCOPE } from "../engine/namespace-scope";
import type { TaskTemplate } from "../templates/types";
import { principalOf } from "./auth";
import { ApiError, fromCatalog } from "./errors";

/**
 * 403 `namespace_out_of_scope` when a workflow step of the template, or of a child it would start
 * (as far as the catalog knows them now), names a namespace the caller may not use. Unscoped callers
 * pass without a lookup. The task object repeats the check when each child actually starts.
 */
export async function requireWorkflowScope(c: Context<{ Bindings: Env }>, template: TaskTemplate): Promise<void> {
  const principal = principalOf(c);
  const outside = await fromCatalog(workflowScopeEscape(c.env, template, principal.namespaces));
  if (outside === null) return;
  throw new ApiError(
    403,
    NAMESPACE_OUT_OF_SCOPE,
    `${principal.name} may not use namespace ${outside.namespace}, where this template would start a child task: ${outside.chain.join(" → ")}`,
    { namespace: outside.namespace, chain: outside.chain },
  );
}
