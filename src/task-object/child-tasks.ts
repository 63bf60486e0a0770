// What a workflow step's child task is: its template, context and lineage, or why it cannot start.
import { type CatalogEnv, findTemplate } from "../catalog/find-template";
import { inNamespaceScope, NAMESPACE_OUT_OF_SCOPE, type NamespaceScope } from "../engine/namespace-scope";
import { nestsDeeperThan } from "../engine/nesting";
import { childContext, nestingProblem } from "../engine/sub-workflow";
import { maxTaskSteps } from "../limits-config";
import { MAX_CONTEXT_BYTES, MAX_NESTING_DEPTH, STEP_LIMIT_EXCEEDED } from "../shared/limits";
import { templateKey } from "../shared/names";
import { validateContext } from "../templates/input-schema";
import type { StepDefinition } from "../templates/types";
import { parseWorkflowConfig } from "../templates/workflow-config";
import type { NewTask, StepRow, TaskRow } from "./rows";

export type ChildTaskInput = Omit<NewTask, "queue_binding">;
export type ChildPlan = { ok: true; input: ChildTaskInput } | { ok: false; code: string; message: string };

/** The chain of templates from the root task down to (and including) this one. */
export function lineageOf(task: TaskRow): string[] {
  return [...(JSON.parse(task.lineage) as string[]), templateKey(task.namespace, task.name, task.version)];
}

/** The namespaces this task's children may run in, as its creator's scope was recorded (null: every one). */
export function namespaceScopeOf(task: TaskRow): NamespaceScope {
  return task.namespace_scope === null ? null : (JSON.parse(task.namespace_scope) as string[]);
}

/**
 * Decides the child task a workflow step starts for one dispatch; its uuid is the dispatch id. The
 * template may be bundled or registered; with no version named, the newest one runs.
 */
export async function planChildTask(
  env: CatalogEnv,
  task: TaskRow,
  step: StepRow,
  dispatchId: string,
  dependencyResults: Record<string, unknown>,
): Promise<ChildPlan> {
  const definition = JSON.parse(step.definition) as StepDefinition;
  const parsed = parseWorkflowConfig(definition.handler.initialization);
  if (!parsed.ok) {
    const problems = parsed.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
    return { ok: false, code: "invalid_workflow_config", message: problems };
  }
  const { template: ref, contextMapping } = parsed.config;
  const namespace = ref.namespace ?? task.namespace;
  // Judged before the lookup, so a refused child reveals nothing about the other namespace's templates.
  const scope = namespaceScopeOf(task);
  if (!inNamespaceScope(scope, namespace)) {
    return {
      ok: false,
      code: NAMESPACE_OUT_OF_SCOPE,
      message: `the child task would run in namespace ${namespace}, outside the namespaces of ${task.created_by ?? "the task's creator"}, who created this task${task.parent_task_uuid === null ? "" : "'s root"}`,
    };
  }
  const template = await findTemplate(env, namespace, ref.name, ref.version);
  if (!template) {
    return {
      ok: false,
      code: "child_template_not_found",
      message: `no template ${namespace}/${ref.name}${ref.version === null ? "" : `@${ref.version}`}`,
    };
  }
  const lineage = lineageOf(task);
  const nesting = nestingProblem(lineage, templateKey(template.namespace_name, template.name, template.version));
  if (nesting) return { ok: false, ...nesting };
  const ceiling = maxTaskSteps(env);
  if (template.steps.length > ceiling) {
    const name = `${template.namespace_name}/${template.name}@${template.version}`;
    return {
      ok: false,
      code: STEP_LIMIT_EXCEEDED,
      message: `${name} has ${template.steps.length} steps; a task may hold at most ${ceiling}`,
    };
  }
  const context = childContext(contextMapping, JSON.parse(task.context), dependencyResults);
  if (nestsDeeperThan(context, MAX_NESTING_DEPTH)) {
    return {
      ok: false,
      code: "invalid_child_context",
      message: `the child's context nests objects and arrays more than ${MAX_NESTING_DEPTH} levels deep`,
    };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(context)).byteLength;
  if (bytes > MAX_CONTEXT_BYTES) {
    return {
      ok: false,
      code: "invalid_child_context",
      message: `the child's context is ${bytes} bytes; the limit is ${MAX_CONTEXT_BYTES}`,
    };
  }
  const violations = validateContext(template, context);
  if (violations.length > 0) {
    const detail = violations.map((v) => `${v.path || "context"}: ${v.message}`).join("; ");
    return {
      ok: false,
      code: "invalid_child_context",
      message: `the child's context does not match its input_schema: ${detail}`,
    };
  }
  return {
    ok: true,
    input: {
      task_uuid: dispatchId,
      template,
      context,
      initiator: task.initiator,
      source_system: "tasker-edge",
      reason: `sub-workflow of task ${task.task_uuid}, step ${step.name}`,
      priority: task.priority,
      tags: JSON.parse(task.tags) as string[],
      correlation_id: task.correlation_id,
      parent_correlation_id: task.correlation_id,
      parent: { task_uuid: task.task_uuid, step_uuid: step.step_uuid, step_name: step.name, dispatch_id: dispatchId, lineage },
      // A child acts for whoever created its root: the same principal, within the same namespaces.
      created_by: task.created_by,
      namespace_scope: scope,
    },
  };
}

/** What a finished child task means for the step that waited on it. */
export function childOutcome(
  status: string,
  results: Record<string, unknown>,
  childTaskUuid: string,
): { success: true; result: unknown } | { success: false; error: { message: string; error_code: string; retryable: false } } {
  if (status === "complete" || status === "resolved_manually") return { success: true, result: results };
  return {
    success: false,
    error: {
      message: `child task ${childTaskUuid} ended as ${status}`,
      error_code: status === "cancelled" ? "child_task_cancelled" : "child_task_failed",
      retryable: false,
    },
  };
}
