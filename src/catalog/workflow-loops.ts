// Refuses a template whose workflow steps would, through the catalog, start the template itself again.
import { templateKey } from "../shared/names";
import type { TaskTemplate } from "../templates/types";
import { workflowReferences } from "../templates/workflow-references";
import { type CatalogEnv, findTemplate } from "./find-template";

/** Past this many levels a chain of child templates is refused at run time anyway (MAX_WORKFLOW_DEPTH). */
const SEARCH_DEPTH = 8;

/**
 * The loop `template → … → template` its child templates would form, as template keys, or null.
 * Children resolve as they would at run time (bundled, then registered; no version = the newest).
 */
export async function workflowLoopThrough(env: CatalogEnv, template: TaskTemplate): Promise<string[] | null> {
  const target = templateKey(template.namespace_name, template.name, template.version);
  const visited = new Set<string>();
  const search = async (current: TaskTemplate, path: string[]): Promise<string[] | null> => {
    if (path.length > SEARCH_DEPTH) return null;
    for (const { namespace, name, version } of workflowReferences(current)) {
      const sameAsNew =
        namespace === template.namespace_name && name === template.name && (version ?? template.version) === template.version;
      const child = sameAsNew ? template : await findTemplate(env, namespace, name, version);
      if (!child) continue;
      const key = templateKey(child.namespace_name, child.name, child.version);
      if (key === target) return [...path, key];
      if (visited.has(key)) continue;
      visited.add(key);
      const loop = await search(child, [...path, key]);
      if (loop) return loop;
    }
    return null;
  };
  return search(template, [target]);
}
