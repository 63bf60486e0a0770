// Task and step routes: submit, read, cancel, list steps, step audit, task transitions.
import { Hono } from "hono";
import { isUuid, uuidv7 } from "../engine/ids";
import { MAX_CONTEXT_BYTES } from "../engine/limits";
import type { StepAction } from "../engine/task-run";
import { type TaskObjectClient, taskObject } from "../task-object/client";
import { validateContext } from "../templates/input-schema";
import { readJson } from "./body";
import { ApiError, notFound } from "./errors";
import { CancelRequestSchema, type StepActionRequest, StepActionSchema, TaskActionSchema, TaskRequestSchema } from "./schemas";
import { templateRegistry } from "./template-registry";

export const taskRoutes = new Hono<{ Bindings: Env }>();

function taskStub(env: Env, taskUuid: string): TaskObjectClient {
  if (!isUuid(taskUuid)) throw new ApiError(400, "invalid_uuid", `${taskUuid} is not a valid task uuid`);
  return taskObject(env, taskUuid);
}

function requireStepUuid(stepUuid: string): void {
  if (!isUuid(stepUuid)) throw new ApiError(400, "invalid_uuid", `${stepUuid} is not a valid step uuid`);
}

taskRoutes.post("/", async (c) => {
  const request = await readJson(c, TaskRequestSchema);
  const template = templateRegistry().get(request.namespace, request.name, request.version);
  if (!template) {
    throw new ApiError(404, "template_not_found", `no template ${request.namespace}/${request.name}@${request.version}`);
  }
  const contextBytes = new TextEncoder().encode(JSON.stringify(request.context)).byteLength;
  if (contextBytes > MAX_CONTEXT_BYTES) {
    throw new ApiError(413, "context_too_large", `context is ${contextBytes} bytes; the limit is ${MAX_CONTEXT_BYTES}`);
  }
  const violations = validateContext(template, request.context);
  if (violations.length > 0) {
    throw new ApiError(400, "invalid_context", "context does not match the template's input_schema", violations);
  }
  const taskUuid = uuidv7();
  const { task } = await taskObject(c.env, taskUuid).create({
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
  });
  return c.json(task, 201);
});

taskRoutes.get("/:task_uuid", async (c) => {
  const uuid = c.req.param("task_uuid");
  const task = await taskStub(c.env, uuid).getTask();
  if (!task) throw notFound("task", uuid);
  return c.json(task);
});

taskRoutes.delete("/:task_uuid", async (c) => {
  const uuid = c.req.param("task_uuid");
  const stub = taskStub(c.env, uuid);
  const { reason } = await readJson(c, CancelRequestSchema, { optional: true });
  const result = await stub.cancel(reason ?? "cancelled through the API");
  if (result.ok) return c.json(result.task);
  if (result.code === "task_not_found") throw notFound("task", uuid);
  throw new ApiError(400, "task_already_terminal", `task ${uuid} is already ${result.status}`, { status: result.status });
});

taskRoutes.get("/:task_uuid/transitions", async (c) => {
  const uuid = c.req.param("task_uuid");
  const transitions = await taskStub(c.env, uuid).taskTransitions();
  if (!transitions) throw notFound("task", uuid);
  return c.json({ task_uuid: uuid, transitions });
});

taskRoutes.get("/:task_uuid/workflow_steps", async (c) => {
  const uuid = c.req.param("task_uuid");
  const steps = await taskStub(c.env, uuid).listSteps();
  if (!steps) throw notFound("task", uuid);
  return c.json({ task_uuid: uuid, total_count: steps.length, steps });
});

taskRoutes.get("/:task_uuid/workflow_steps/:step_uuid", async (c) => {
  const { task_uuid, step_uuid } = c.req.param();
  const stub = taskStub(c.env, task_uuid);
  requireStepUuid(step_uuid);
  const lookup = await stub.getStep(step_uuid);
  if (!lookup.task) throw notFound("task", task_uuid);
  if (!lookup.step) throw notFound("step", step_uuid);
  return c.json(lookup.step);
});

taskRoutes.get("/:task_uuid/workflow_steps/:step_uuid/audit", async (c) => {
  const { task_uuid, step_uuid } = c.req.param();
  const stub = taskStub(c.env, task_uuid);
  requireStepUuid(step_uuid);
  const lookup = await stub.stepAudit(step_uuid);
  if (!lookup.task) throw notFound("task", task_uuid);
  if (!lookup.transitions) throw notFound("step", step_uuid);
  return c.json({ task_uuid, step_uuid, transitions: lookup.transitions });
});

function toStepAction(request: StepActionRequest): StepAction {
  switch (request.action_type) {
    case "reset_for_retry":
      return { action_type: "reset_for_retry", performed_by: request.reset_by, reason: request.reason };
    case "resolve_manually":
      return { action_type: "resolve_manually", performed_by: request.resolved_by, reason: request.reason };
    case "complete_manually":
      return {
        action_type: "complete_manually",
        performed_by: request.completed_by,
        reason: request.reason,
        result: request.completion_data.result,
      };
  }
}

taskRoutes.patch("/:task_uuid/workflow_steps/:step_uuid", async (c) => {
  const { task_uuid, step_uuid } = c.req.param();
  const stub = taskStub(c.env, task_uuid);
  requireStepUuid(step_uuid);
  const action = toStepAction(await readJson(c, StepActionSchema));
  const result = await stub.applyStepAction(step_uuid, action);
  if (result.ok) return c.json(result.step);
  switch (result.code) {
    case "task_not_found":
      throw notFound("task", task_uuid);
    case "step_not_found":
      throw notFound("step", step_uuid);
    case "task_already_terminal":
      throw new ApiError(409, "task_already_terminal", `task ${task_uuid} has finished; its steps can no longer change`);
    case "result_too_large":
      throw new ApiError(413, "result_too_large", "completion_data.result exceeds the result size limit");
    case "action_not_allowed":
      throw new ApiError(409, "action_not_allowed", `${action.action_type} is not allowed on a step in state ${result.state}`, {
        current_state: result.state,
      });
  }
});

taskRoutes.patch("/:task_uuid", async (c) => {
  const uuid = c.req.param("task_uuid");
  const stub = taskStub(c.env, uuid);
  const action = await readJson(c, TaskActionSchema);
  const result = await stub.applyTaskAction(action);
  if (result.ok) return c.json(result.task);
  if (result.code === "task_not_found") throw notFound("task", uuid);
  throw new ApiError(
    409,
    "action_not_allowed",
    `${action.action_type} needs a task in blocked_by_failures; this one is ${result.status}`,
    {
      current_state: result.status,
    },
  );
});
