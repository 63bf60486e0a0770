// Starts the task of one fire: the template, context checks and identity of a `POST /v1/tasks` with an idempotency key made from the fire.
import { findTemplate } from "../catalog/find-template";
import { identityHash, uuidFromHash } from "../engine/identity";
import { fireIdempotencyKey } from "../engine/schedule-plan";
import { isTerminalTaskState, type TaskState } from "../engine/states";
import { maxTaskSteps } from "../limits-config";
import { MAX_CONTEXT_BYTES } from "../shared/limits";
import { taskObject } from "../task-object/client";
import { validateContext } from "../templates/input-schema";
import type { ScheduleConfig } from "./schedule-config";

/** The source_system of every task a schedule starts. */
export const SCHEDULE_SOURCE_SYSTEM = "tasker-schedule";

export type StartResult = { ok: true; task_uuid: string; created: boolean } | { ok: false; code: string; message: string };

/**
 * Starts the task of the fire at `fireAt`, or says why it cannot (the template is gone, the context
 * no longer fits it). The task's uuid comes from the idempotency key `schedule:<id>:<fire time>`,
 * so a fire delivered twice reaches the same task object, whose `create` is atomic: one task. An
 * unreachable task object throws, for the caller to retry.
 */
export async function startScheduledTask(
  env: Env,
  schedule: ScheduleConfig,
  fireAt: number,
  trigger: { manual: boolean; by: string | null },
): Promise<StartResult> {
  const template = await findTemplate(env, schedule.namespace, schedule.template_name, schedule.template_version);
  if (!template) {
    const which = schedule.template_version ?? "any version";
    return {
      ok: false,
      code: "template_not_found",
      message: `no template ${schedule.namespace}/${schedule.template_name} (${which})`,
    };
  }
  if (template.steps.length > maxTaskSteps(env)) {
    return { ok: false, code: "step_limit_exceeded", message: `the template has more steps than a task may hold` };
  }
  if (new TextEncoder().encode(JSON.stringify(schedule.context)).byteLength > MAX_CONTEXT_BYTES) {
    return { ok: false, code: "context_too_large", message: `the context exceeds ${MAX_CONTEXT_BYTES} bytes` };
  }
  const violations = validateContext(template, schedule.context);
  if (violations.length > 0) {
    const first = violations[0];
    return {
      ok: false,
      code: "invalid_context",
      message: `context does not match the template's input_schema: ${first?.path} ${first?.message}`,
    };
  }
  const key = fireIdempotencyKey(schedule.schedule_id, fireAt, trigger.manual);
  const hash = await identityHash(template.identity_strategy, {
    namespace: template.namespace_name,
    name: template.name,
    version: template.version,
    context: schedule.context,
    idempotencyKey: key,
  });
  if (hash === null) throw new Error("an idempotency key always gives an identity");
  const taskUuid = uuidFromHash(hash);
  const fireTime = new Date(fireAt).toISOString();
  const { created, task } = await taskObject(env, taskUuid).create({
    task_uuid: taskUuid,
    template,
    context: schedule.context,
    initiator: `schedule:${schedule.schedule_id}`,
    source_system: SCHEDULE_SOURCE_SYSTEM,
    reason: trigger.manual ? `triggered now by ${trigger.by ?? "an operator"}` : `scheduled fire at ${fireTime}`,
    priority: 0,
    tags: [`schedule:${schedule.schedule_id}`, `fire_at:${fireTime}`, ...(trigger.manual ? ["trigger:manual"] : [])],
    correlation_id: crypto.randomUUID(),
    parent_correlation_id: null,
    parent: null,
    created_by: schedule.created_by,
    namespace_scope: schedule.namespace_scope === null ? null : [...schedule.namespace_scope],
  });
  return { ok: true, task_uuid: task.task_uuid, created };
}

/** Whether the task still runs (any state but the four terminal ones); a task that does not exist does not. */
export async function taskStillRuns(env: Env, taskUuid: string | null): Promise<boolean> {
  if (taskUuid === null) return false;
  const answer = await taskObject(env, taskUuid).getTask();
  if (!answer.ok) return false;
  return !isTerminalTaskState(answer.value.status as TaskState);
}
