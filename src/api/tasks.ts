// Task and step routes: submit, list, read, cancel, list steps, step audit, task transitions.
import type { Context } from "hono";
import { queryTaskIndex } from "../catalog/task-index";
import type { StepActionRequest } from "../contract/requests";
import { ROUTES } from "../contract/routes";
import { isUuid } from "../engine/ids";
import { MAX_EAGER_LIMIT } from "../engine/protocol";
import type { Actor, StepAction, TaskControl } from "../engine/task-run";
import { configOf } from "../orchestrator-config";
import { MAX_CONTEXT_BYTES } from "../shared/limits";
import { DEFAULT_QUEUE_BINDING, resolveQueueBinding } from "../shared/queue-routing";
import { type TaskObjectClient, taskObject } from "../task-object/client";
import { validateContext } from "../templates/input-schema";
import { actorOf, canSeeNamespace, namespaceScope, principalOf } from "./auth";
import { readJson } from "./body";
import { ApiError, fromCatalog, notFound } from "./errors";
import { taskUuidFor } from "./identity";
import { taskAnswer } from "./missing-task";
import { refuseDeepNesting } from "./nesting";
import { pageRequest, paginationInfo } from "./pagination";
import { readQuery } from "./query-string";
import type { RouteHandler, RouteHandlers } from "./routes";
import { requireWithinStepCeiling } from "./step-ceiling";
import { submitTraceOf } from "./submit-trace";
import { readTaskListQuery } from "./task-query";
import { resolveTaskTemplate } from "./task-template";
import { requireCallableWebhooks } from "./webhooks";
import { requireWorkflowScope } from "./workflow-scope";

function taskStub(env: Env, taskUuid: string): TaskObjectClient {
  if (!isUuid(taskUuid)) throw new ApiError(400, "invalid_uuid", `${taskUuid} is not a valid task uuid`);
  return taskObject(env, taskUuid);
}

/**
 * A task's object, once the caller is known to be allowed to see the task (404 otherwise: the same
 * answer as for a missing task). Unscoped callers skip the lookup.
 */
async function visibleTask(c: Context<{ Bindings: Env }>, taskUuid: string): Promise<TaskObjectClient> {
  const stub = taskStub(c.env, taskUuid);
  if (namespaceScope(c) === null) return stub;
  const task = await taskAnswer(c, taskUuid, await stub.getTask());
  if (!canSeeNamespace(c, task.namespace)) throw notFound("task", taskUuid);
  return stub;
}

/** The request's waitUntil, or undefined when the app runs without an execution context (app.request in tests). */
function waitUntilOf(c: Context): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}

function requireStepUuid(stepUuid: string): void {
  if (!isUuid(stepUuid)) throw new ApiError(400, "invalid_uuid", `${stepUuid} is not a valid step uuid`);
}

const createTask: RouteHandler<typeof ROUTES.createTask> = async (c, answer) => {
  const trace = submitTraceOf(c);
  trace?.lap("auth_limits");
  const request = await readJson(c, ROUTES.createTask.body.schema);
  refuseDeepNesting(request.context, "context");
  trace?.lap("body");
  const template = await resolveTaskTemplate(c, request);
  trace?.lap("template");
  requireWithinStepCeiling(c.env, template);
  await requireWorkflowScope(c, template);
  trace?.lap("workflow_scope");
  const contextBytes = new TextEncoder().encode(JSON.stringify(request.context)).byteLength;
  if (contextBytes > MAX_CONTEXT_BYTES) {
    throw new ApiError(413, "context_too_large", `context is ${contextBytes} bytes; the limit is ${MAX_CONTEXT_BYTES}`);
  }
  const violations = validateContext(template, request.context);
  if (violations.length > 0) {
    throw new ApiError(400, "invalid_context", "context does not match the template's input_schema", violations);
  }
  requireCallableWebhooks(c.env, [
    { at: "template.webhooks", endpoints: template.webhooks ?? [] },
    { at: "webhooks", endpoints: request.webhooks ?? [] },
  ]);
  trace?.lap("checks");
  const taskUuid = await taskUuidFor(template, request);
  trace?.note("task_uuid", taskUuid);
  trace?.lap("identity");
  // Steps bound for the queue this Worker consumes itself can start right here, without the queue hop.
  const waitUntil = waitUntilOf(c);
  const eagerStart =
    waitUntil !== undefined &&
    resolveQueueBinding(template.namespace_name, c.env, configOf(c.env).queues) === DEFAULT_QUEUE_BINDING;
  const { created, task, eager, claimed } = await taskObject(c.env, taskUuid).create(
    {
      task_uuid: taskUuid,
      template,
      context: request.context,
      initiator: request.initiator,
      source_system: request.source_system,
      reason: request.reason,
      priority: request.priority,
      tags: request.tags,
      correlation_id: request.correlation_id ?? crypto.randomUUID(),
      parent_correlation_id: request.parent_correlation_id ?? null,
      // The task and every child it starts stay within the creator's namespaces (planChildTask).
      created_by: principalOf(c).name,
      namespace_scope: namespaceScope(c),
      ...(request.webhooks && request.webhooks.length > 0 ? { webhooks: request.webhooks } : {}),
    },
    eagerStart ? { eager_limit: MAX_EAGER_LIMIT, claim_eager: true } : {},
  );
  trace?.lap("create_wait");
  const handed = [...(claimed ?? []), ...(eager ?? [])];
  if (handed.length > 0 && waitUntil) waitUntil(configOf(c.env).consumer.runEager(c.env, handed));
  trace?.lap("eager_start");
  trace?.count("eager_handed", handed.length);
  if (!created) {
    throw new ApiError(409, "duplicate_task", `a task with this identity already exists: ${task.task_uuid}`, {
      task_uuid: task.task_uuid,
      status: task.status,
      identity_strategy: request.idempotency_key === undefined ? template.identity_strategy : "idempotency_key",
    });
  }
  return answer(task, 201);
};

/**
 * Lists tasks from the index, newest first. The index follows each task's object by one outbox flush,
 * so a task appears (and changes status) here a moment after its object records it.
 */
const listTasks: RouteHandler<typeof ROUTES.listTasks> = async (c, answer) => {
  const { filters, page } = readTaskListQuery(c);
  const { tasks, total } = await fromCatalog(
    queryTaskIndex(c.env.TASKER_DB, filters, { offset: page.offset, limit: page.per_page }, namespaceScope(c)),
  );
  return answer({ tasks, pagination: paginationInfo(page, total) });
};

const getTask: RouteHandler<typeof ROUTES.getTask> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const task = await taskAnswer(c, uuid, await taskStub(c.env, uuid).getTask());
  if (!canSeeNamespace(c, task.namespace)) throw notFound("task", uuid);
  return answer(task);
};

const cancelTask: RouteHandler<typeof ROUTES.cancelTask> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const stub = await visibleTask(c, uuid);
  const { reason } = await readJson(c, ROUTES.cancelTask.body.schema, { optional: true });
  return answer(await taskAnswer(c, uuid, await stub.cancel(reason ?? "cancelled through the API", actorOf(c))));
};

const taskTransitions: RouteHandler<typeof ROUTES.taskTransitions> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const transitions = await taskAnswer(c, uuid, await (await visibleTask(c, uuid)).taskTransitions());
  return answer({ task_uuid: uuid, transitions });
};

const listSteps: RouteHandler<typeof ROUTES.listSteps> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const page = pageRequest(readQuery(c, ROUTES.listSteps.query));
  const { batch, state } = readQuery(c, ROUTES.listSteps.query);
  const filter = { batch: batch ?? null, state: state ?? null };
  const listed = await taskAnswer(c, uuid, await (await visibleTask(c, uuid)).listSteps(page.offset, page.per_page, filter));
  return answer({
    task_uuid: uuid,
    total_count: listed.total,
    steps: listed.steps,
    pagination: paginationInfo(page, listed.total),
  });
};

const stepGraph: RouteHandler<typeof ROUTES.stepGraph> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const graph = await taskAnswer(c, uuid, await (await visibleTask(c, uuid)).stepGraph());
  return answer({ task_uuid: uuid, ...graph });
};

const getStep: RouteHandler<typeof ROUTES.getStep> = async (c, answer) => {
  const { task_uuid, step_uuid } = c.req.param();
  const stub = await visibleTask(c, task_uuid);
  requireStepUuid(step_uuid);
  return answer(await taskAnswer(c, task_uuid, await stub.getStep(step_uuid)));
};

const stepAudit: RouteHandler<typeof ROUTES.stepAudit> = async (c, answer) => {
  const { task_uuid, step_uuid } = c.req.param();
  const stub = await visibleTask(c, task_uuid);
  requireStepUuid(step_uuid);
  const transitions = await taskAnswer(c, task_uuid, await stub.stepAudit(step_uuid));
  return answer({ task_uuid, step_uuid, transitions });
};

/** The engine's action: the caller's free-text name as `performed_by`, and the authenticated caller as `actor`. */
function toStepAction(request: StepActionRequest, actor: Actor): StepAction {
  switch (request.action_type) {
    case "reset_for_retry":
      return { action_type: "reset_for_retry", performed_by: request.reset_by, reason: request.reason, actor };
    case "resolve_manually":
      return { action_type: "resolve_manually", performed_by: request.resolved_by, reason: request.reason, actor };
    case "complete_manually":
      refuseDeepNesting(request.completion_data.result, "completion_data.result");
      refuseDeepNesting(request.completion_data.metadata, "completion_data.metadata");
      return {
        action_type: "complete_manually",
        performed_by: request.completed_by,
        reason: request.reason,
        result: request.completion_data.result,
        actor,
      };
  }
}

const actOnStep: RouteHandler<typeof ROUTES.actOnStep> = async (c, answer) => {
  const { task_uuid, step_uuid } = c.req.param();
  const stub = await visibleTask(c, task_uuid);
  requireStepUuid(step_uuid);
  const action = toStepAction(await readJson(c, ROUTES.actOnStep.body.schema), actorOf(c));
  return answer(await taskAnswer(c, task_uuid, await stub.applyStepAction(step_uuid, action)));
};

const actOnTask: RouteHandler<typeof ROUTES.actOnTask> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const stub = await visibleTask(c, uuid);
  const action = await readJson(c, ROUTES.actOnTask.body.schema);
  return answer(await taskAnswer(c, uuid, await stub.applyTaskAction({ ...action, actor: actorOf(c) })));
};

/** The pause or resume of the route's task: the caller's free-text name as `performed_by` (its own name when left out). */
async function controlOf(c: Context<{ Bindings: Env }>, schema: typeof ROUTES.pauseTask.body.schema): Promise<TaskControl> {
  const { reason, performed_by } = await readJson(c, schema);
  const actor = actorOf(c);
  return { performed_by: performed_by ?? actor.name, reason, actor };
}

const pauseTask: RouteHandler<typeof ROUTES.pauseTask> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const stub = await visibleTask(c, uuid);
  return answer(await taskAnswer(c, uuid, await stub.pause(await controlOf(c, ROUTES.pauseTask.body.schema))));
};

const resumeTask: RouteHandler<typeof ROUTES.resumeTask> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  const stub = await visibleTask(c, uuid);
  return answer(await taskAnswer(c, uuid, await stub.resume(await controlOf(c, ROUTES.resumeTask.body.schema))));
};

/** The task and step operations of the routes table. */
export const taskHandlers = {
  createTask,
  listTasks,
  getTask,
  cancelTask,
  taskTransitions,
  listSteps,
  getStep,
  stepAudit,
  actOnStep,
  actOnTask,
  pauseTask,
  resumeTask,
  stepGraph,
} satisfies RouteHandlers;
