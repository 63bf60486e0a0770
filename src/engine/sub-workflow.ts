// Sub-workflows: a step that runs a whole task as its child — how it runs, its context and nesting rules.
import { SLEEP_HANDLER, WAIT_FOR_EVENT_HANDLER, WORKFLOW_HANDLER } from "../shared/names";
import { isRecord } from "../shared/values";
import type { StepDefinition } from "../templates/types";

/** Deepest nesting of child tasks: a task started by a task started by … this many levels below a root. */
export const MAX_WORKFLOW_DEPTH = 5;

/**
 * How a step runs: through a handler Worker, as a child task, not at all (a no-op placeholder), or
 * as a wait the object keeps itself (a sleep's timer, an event it waits for).
 */
export type RunsAs = "queue" | "child_task" | "inline_noop" | "sleep" | "event_wait";

export function runsAsFor(definition: StepDefinition): RunsAs {
  switch (definition.handler.callable) {
    case WORKFLOW_HANDLER:
      return "child_task";
    case SLEEP_HANDLER:
      return "sleep";
    case WAIT_FOR_EVENT_HANDLER:
      return "event_wait";
    default:
      return "queue";
  }
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
