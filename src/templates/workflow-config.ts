// A workflow step's `handler.initialization`: which template its child task runs and how the child's context is mapped.
import { NAME_PATTERN, VERSION_PATTERN } from "../shared/names";
import { isRecord } from "../shared/values";
import type { TemplateProblem } from "./types";

/** Which template a workflow step starts; a missing namespace means the parent's, a missing version the newest. */
export interface ChildTemplateRef {
  namespace: string | null;
  name: string;
  version: string | null;
}

/** A workflow step's `handler.initialization`, validated. */
export interface WorkflowConfig {
  template: ChildTemplateRef;
  /** Child context key → `context.<path>` or `steps.<step>.<path>`; null passes the parent's whole context. */
  contextMapping: Record<string, string> | null;
}

const SOURCE = /^(context|steps\.[a-z][a-z0-9_]*)(\.[^.]+)*$/;

/** Reads a workflow step's initialization; problems carry paths relative to `handler.initialization`. */
export function parseWorkflowConfig(
  initialization: Record<string, unknown>,
): { ok: true; config: WorkflowConfig } | { ok: false; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const { task_template: name, namespace, version, context_mapping: mapping } = initialization;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    problems.push({ path: "task_template", message: "is required: the name of the template the child task runs" });
  }
  if (namespace !== undefined && (typeof namespace !== "string" || !NAME_PATTERN.test(namespace))) {
    problems.push({ path: "namespace", message: "must be a namespace name" });
  }
  if (version !== undefined && (typeof version !== "string" || !VERSION_PATTERN.test(version))) {
    problems.push({ path: "version", message: 'must be a version string, e.g. "1.0.0"' });
  }
  let contextMapping: Record<string, string> | null = null;
  if (mapping !== undefined) {
    if (!isRecord(mapping)) {
      problems.push({ path: "context_mapping", message: "must map child context keys to context.<path> or steps.<step>.<path>" });
    } else {
      contextMapping = {};
      for (const [key, source] of Object.entries(mapping)) {
        if (typeof source !== "string" || !SOURCE.test(source)) {
          problems.push({
            path: `context_mapping.${key}`,
            message: `must be "context", "context.<path>" or "steps.<step_name>[.<path>]", not ${JSON.stringify(source)}`,
          });
        } else contextMapping[key] = source;
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      template: {
        name: name as string,
        namespace: (namespace as string | undefined) ?? null,
        version: (version as string | undefined) ?? null,
      },
      contextMapping,
    },
  };
}
