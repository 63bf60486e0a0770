// Finds where a template's sub-workflows, followed through the catalog, would leave a namespace scope.
import { inNamespaceScope, type NamespaceScope } from "../engine/namespace-scope";
import { MAX_WORKFLOW_DEPTH } from "../engine/sub-workflow";
import { templateKey } from "../shared/names";
import type { TaskTemplate } from "../templates/types";
import { workflowReferences } from "../templates/workflow-references";
import { type CatalogEnv, findTemplate } from "./find-template";

/** Where a chain of child tasks would leave the scope. */
export interface ScopeEscape {
  /** The namespace outside the scope. */
  namespace: string;
  /** Template keys from the checked template down; the last is the reference that leaves (`b/z`, or `b/z@2.0.0` with a version). */
  chain: string[];
}

const keyOf = (t: TaskTemplate) => templateKey(t.namespace_name, t.name, t.version);

/**
 * The first child reference (breadth first, so along the shortest chain) among `template`'s workflow
 * steps and those of the templates they would start, whose namespace is outside `scope`; null when
 * there is none, or when the scope is every namespace. Children resolve as a child start would
 * resolve them now (bundled, then registered; no version = the newest), down to the deepest level a
 * child may run at. A reference is judged by its namespace before it is looked up, so an outside one
 * is refused whether or not its template exists (and its existence is never revealed). What is not
 * known yet (a child registered later, a newer version) is the run-time check's (planChildTask).
 */
export async function workflowScopeEscape(
  env: CatalogEnv,
  template: TaskTemplate,
  scope: NamespaceScope,
): Promise<ScopeEscape | null> {
  if (scope === null) return null;
  const resolved = new Map<string, Promise<TaskTemplate | undefined>>();
  const resolve = (namespace: string, name: string, version: string | null) => {
    const key = JSON.stringify([namespace, name, version]);
    let found = resolved.get(key);
    if (found === undefined) {
      found = findTemplate(env, namespace, name, version);
      resolved.set(key, found);
    }
    return found;
  };
  const seen = new Set([keyOf(template)]);
  let level = [{ template, chain: [keyOf(template)] }];
  // Level d holds the templates that would run d levels below `template`; deeper ones never start.
  for (let depth = 1; depth <= MAX_WORKFLOW_DEPTH && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const { template: current, chain } of level) {
      for (const { namespace, name, version } of workflowReferences(current)) {
        if (!inNamespaceScope(scope, namespace)) {
          return { namespace, chain: [...chain, `${namespace}/${name}${version === null ? "" : `@${version}`}`] };
        }
        const child = await resolve(namespace, name, version);
        if (!child || seen.has(keyOf(child))) continue;
        seen.add(keyOf(child));
        next.push({ template: child, chain: [...chain, keyOf(child)] });
      }
    }
    level = next;
  }
  return null;
}
