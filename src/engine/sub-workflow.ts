// Sub-workflows: a step that runs a whole task as its child — its configuration, context and nesting rules.
import { NAME_PATTERN, VERSION_PATTERN } from "../templates/schema";
import type { StepDefinition, TemplateProblem } from "../templates/types";
import { WORKFLOW_HANDLER } from "./callables";
import { isRecord } from "./values";

export { WORKFLOW_HANDLER } from "./callables";
/** Deepest nesting of child tasks: a task started by a task started by … this many levels below a root. */
export const MAX_WORKFLOW_DEPTH = 5;

/** How a step runs: through a handler Worker, as a child task, or not at all (a no-op placeholder). */
export type RunsAs = "queue" | "child_task" | "inline_noop";

export function runsAsFor(definition: StepDefinition): RunsAs {
  return definition.handler.callable === WORKFLOW_HANDLER ? "child_task" : "queue";
}

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

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** The child's context: the parent's whole context, or the mapped values (absent sources are left out). */
export function childContext(
  mapping: Record<string, string> | null,
  parentContext: Record<string, unknown>,
  dependencyResults: Record<string, unknown>,
): Record<string, unknown> {
  if (mapping === null) return parentContext;
  const context: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(mapping)) {
    const [root, ...rest] = source.split(".");
    const value = root === "context" ? dig(parentContext, rest) : dig(dependencyResults, rest);
    if (value !== undefined) context[key] = value;
  }
  return context;
}

/** A template's place in a chain of parents, e.g. `billing/invoice@1.0.0`. */
export function templateKey(namespace: string, name: string, version: string): string {
  return `${namespace}/${name}@${version}`;
}

/** Why a child may not start below this lineage (root first, the parent last), or null when it may. */
export function nestingProblem(
  lineage: readonly string[],
  childKey: string,
): { code: "workflow_cycle" | "workflow_depth_exceeded"; message: string } | null {
  if (lineage.includes(childKey)) {
    return {
      code: "workflow_cycle",
      message: `${childKey} is already running above this step: ${[...lineage, childKey].join(" → ")}`,
    };
  }
  if (lineage.length > MAX_WORKFLOW_DEPTH) {
    return {
      code: "workflow_depth_exceeded",
      message: `child tasks nest at most ${MAX_WORKFLOW_DEPTH} levels deep: ${[...lineage, childKey].join(" → ")}`,
    };
  }
  return null;
}
