// Test helpers: call the API like a client, wait on task state, and move a task's timers forward.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { uuidv7 } from "../../src/engine/ids";
import { type TaskObjectClient, taskObject } from "../../src/task-object/client";
import { PURGE_TIMER } from "../../src/task-object/retention";
import type { ParentLink } from "../../src/task-object/rows";
import type { NewTaskInput } from "../../src/task-object/task-object";
import type { StepView, TaskView, TransitionView } from "../../src/task-object/views";
import { parseTemplate } from "../../src/templates/loader";
import type { TaskTemplate } from "../../src/templates/types";

export const SEED_ORDER = {
  name: "order_fulfillment",
  namespace: "ecommerce",
  version: "1.0.0",
  context: { order_id: "ORD-12345", customer_email: "customer@example.com" },
  initiator: "api:checkout",
  source_system: "web",
  reason: "checkout",
};

/** The seed's order with a fresh order_id: order_fulfillment's strict identity refuses a repeated context. */
export function seedOrder(orderId = `ORD-${crypto.randomUUID().slice(0, 8)}`) {
  return { ...SEED_ORDER, context: { ...SEED_ORDER.context, order_id: orderId } };
}

export function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://tasker.test${path}`, init);
}

/** The error envelope of a response, once its status and code are the expected ones. */
export async function errorOf(response: Response, status: number, code: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string; details?: unknown } };
  expect(body.error.code).toBe(code);
  return body.error;
}

export async function submit(body: unknown): Promise<TaskView> {
  const response = await api("/v1/tasks", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

/** A task request for a bundled template at version 1.0.0. */
export function taskRequest(namespace: string, name: string, context: Record<string, unknown> = {}) {
  return { name, namespace, version: "1.0.0", context, initiator: "test", source_system: "vitest", reason: "test" };
}

export function demoTask(name: string, context: Record<string, unknown> = {}) {
  return taskRequest("demo", name, context);
}

export async function getTask(uuid: string): Promise<TaskView> {
  const response = await api(`/v1/tasks/${uuid}`);
  expect(response.status).toBe(200);
  return response.json();
}

export async function getSteps(uuid: string): Promise<StepView[]> {
  const response = await api(`/v1/tasks/${uuid}/workflow_steps`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { steps: StepView[] }).steps;
}

export async function stepNamed(uuid: string, name: string): Promise<StepView> {
  const step = (await getSteps(uuid)).find((s) => s.name === name);
  if (!step) throw new Error(`no step ${name}`);
  return step;
}

export async function stepAudit(taskUuid: string, stepUuid: string): Promise<TransitionView[]> {
  const response = await api(`/v1/tasks/${taskUuid}/workflow_steps/${stepUuid}/audit`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { transitions: TransitionView[] }).transitions;
}

export async function taskTransitions(uuid: string): Promise<TransitionView[]> {
  const response = await api(`/v1/tasks/${uuid}/transitions`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { transitions: TransitionView[] }).transitions;
}

/** Waits until the task (driven by the real queue consumer and alarms) satisfies the predicate. */
export async function waitForTask(uuid: string, predicate: (task: TaskView) => boolean, timeout = 10_000): Promise<TaskView> {
  let last: TaskView | undefined;
  await vi.waitUntil(
    async () => {
      last = await getTask(uuid);
      return predicate(last);
    },
    { timeout, interval: 20 },
  );
  return last as TaskView;
}

export const hasStatus =
  (...statuses: string[]) =>
  (task: TaskView) =>
    statuses.includes(task.status);

export async function waitForStep(taskUuid: string, name: string, predicate: (step: StepView) => boolean): Promise<StepView> {
  let last: StepView | undefined;
  await vi.waitUntil(
    async () => {
      last = await stepNamed(taskUuid, name);
      return predicate(last);
    },
    { timeout: 10_000, interval: 20 },
  );
  return last as StepView;
}

export function taskStub(uuid: string): TaskObjectClient {
  return taskObject(env, uuid);
}

/**
 * Moves every pending timer of the task `ms` closer, then runs its alarm as if that time had passed.
 * Time travel is the one write tests make to the object's tables: the object has no clock to set.
 */
export async function advanceTimers(uuid: string, ms: number): Promise<boolean> {
  const stub = env.TASKS.getByName(uuid);
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE timers SET due_at = due_at - ?", ms);
  });
  return runDurableObjectAlarm(stub);
}

export async function scheduledAlarm(uuid: string): Promise<number | null> {
  return (await taskStub(uuid).inspect()).alarm;
}

/** The task's pending timers, its retention's purge timer (armed once it ends) aside. */
export async function timerCount(uuid: string): Promise<number> {
  return (await taskStub(uuid).inspect()).timers.filter((t) => t.kind !== PURGE_TIMER).length;
}

/** When the finished task's purge is due; null when none is armed. */
export async function purgeDue(uuid: string): Promise<number | null> {
  return (await taskStub(uuid).inspect()).timers.find((t) => t.kind === PURGE_TIMER)?.due_at ?? null;
}

/**
 * Creates a task from a template written in the test, bypassing the bundled registry (as a child
 * task with `parent`; with `creator`, as that principal with that namespace scope).
 */
export async function createFromYaml(
  yaml: string,
  context: Record<string, unknown> = {},
  parent?: ParentLink,
  creator: { created_by: string; namespace_scope: string[] | null } = { created_by: "test", namespace_scope: null },
): Promise<TaskView> {
  const parsed = parseTemplate(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const taskUuid = parent?.dispatch_id ?? uuidv7();
  const { task } = await taskStub(taskUuid).create({
    ...newTaskInput(taskUuid, parsed.template, context),
    parent: parent ?? null,
    ...creator,
  });
  return task;
}

/** A task object's `create` input for a test's task: made by "test", no parent, no namespace scope. */
export function newTaskInput(taskUuid: string, template: TaskTemplate, context: Record<string, unknown> = {}): NewTaskInput {
  return {
    task_uuid: taskUuid,
    template,
    context,
    initiator: "test",
    source_system: "vitest",
    reason: "test",
    priority: 0,
    tags: [],
    correlation_id: crypto.randomUUID(),
    parent_correlation_id: null,
    parent: null,
    created_by: "test",
    namespace_scope: null,
  };
}

/** A step message as the object sent it, read from the step row (namespace `manual` has no consumer). */
export async function heldMessage(taskUuid: string, stepName: string): Promise<{ step_uuid: string; dispatch_id: string }> {
  const { steps } = await taskStub(taskUuid).inspect();
  const step = steps.find((s) => s.name === stepName && s.state === "enqueued");
  if (!step?.dispatch_id) throw new Error(`no enqueued step ${stepName} in task ${taskUuid}`);
  return { step_uuid: step.step_uuid, dispatch_id: step.dispatch_id };
}

/** Two steps on the unconsumed `manual` queue: tests claim and report by hand. */
export const HELD_TEMPLATE = `
name: held_steps
namespace_name: manual
version: 1.0.0
steps:
  - name: held
    handler: { callable: EchoHandler }
    timeout_seconds: 10
    retry: { max_attempts: 2, backoff_base_ms: 1000 }
  - name: after_held
    handler: { callable: EchoHandler }
    dependencies: [held]
`;
