import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { StepView, TaskView, TransitionView } from "../../../src/task-object/views";
import { signHs256 } from "../../support/jwt";
import { app } from "../dev-orchestrator";
import { createFromYaml, demoTask, HELD_TEMPLATE, hasStatus, stepNamed, submit, waitForTask } from "../helpers";

// Hole 4 of issue 11: `complete_manually` by JWT `sub: operator-1` with `completed_by: "someone-else"`
// recorded only `someone-else`. Every action now records the authenticated caller as `actor`, next
// to the free-text field the caller typed, which stays as given.

const OPS_KEY = "key-ops-audit-0123456789abcdef";
const JWT_SECRET = "hs256-secret-for-audit-tests-0123456789";

let authEnv: Env;
let operatorToken: string;

const hs256 = (claims: Record<string, unknown>) => signHs256(JWT_SECRET, claims);

beforeAll(async () => {
  authEnv = {
    ...env,
    TASKER_API_KEYS: JSON.stringify([{ name: "ops-key", key: OPS_KEY, permissions: ["*"] }]),
    TASKER_JWT_SECRET: JWT_SECRET,
  } as Env;
  operatorToken = await hs256({ sub: "operator-1", exp: Math.floor(Date.now() / 1000) + 600, permissions: ["*"] });
});

afterEach(() => {
  vi.restoreAllMocks();
});

type As = { key: string } | { bearer: string } | "anonymous";
const OPS: As = { key: OPS_KEY };
const OPERATOR = () => ({ bearer: operatorToken });

async function call(as: As, method: string, path: string, body?: unknown): Promise<Response> {
  const headers = new Headers();
  if (body !== undefined) headers.set("content-type", "application/json");
  if (as !== "anonymous") {
    if ("key" in as) headers.set("x-api-key", as.key);
    else headers.set("authorization", `Bearer ${as.bearer}`);
  }
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await app.request(`http://tasker.test${path}`, init, as === "anonymous" ? env : authEnv);
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return response;
}

async function stepAudit(taskUuid: string, stepUuid: string): Promise<TransitionView[]> {
  const response = await call(OPS, "GET", `/v1/tasks/${taskUuid}/workflow_steps/${stepUuid}/audit`);
  return ((await response.json()) as { transitions: TransitionView[] }).transitions;
}

async function taskTransitions(taskUuid: string): Promise<TransitionView[]> {
  const response = await call(OPS, "GET", `/v1/tasks/${taskUuid}/transitions`);
  return ((await response.json()) as { transitions: TransitionView[] }).transitions;
}

async function blockedTask(): Promise<{ task: TaskView; failed: StepView }> {
  const task = await submit(demoTask("permanent_failure"));
  await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
  return { task, failed: await stepNamed(task.task_uuid, "validate_input") };
}

describe("operator step actions record the authenticated caller", () => {
  it("complete_manually by a token records its sub as the actor, next to the completed_by it typed", async () => {
    const { task, failed } = await blockedTask();
    await call(OPERATOR(), "PATCH", `/v1/tasks/${task.task_uuid}/workflow_steps/${failed.step_uuid}`, {
      action_type: "complete_manually",
      completion_data: { result: { valid: true } },
      reason: "checked by hand",
      completed_by: "someone-else",
    });
    const audit = await stepAudit(task.task_uuid, failed.step_uuid);
    expect(audit.at(-1)).toMatchObject({
      event: "complete_manually",
      actor: { name: "operator-1", via: "jwt" },
      metadata: { performed_by: "someone-else", reason: "checked by hand" },
    });
    expect(audit.at(-1)?.metadata).not.toHaveProperty("actor");
  });

  it("reset_for_retry and resolve_manually by an API key record the key's name", async () => {
    const { task, failed } = await blockedTask();
    const path = `/v1/tasks/${task.task_uuid}/workflow_steps/${failed.step_uuid}`;
    await call(OPS, "PATCH", path, { action_type: "reset_for_retry", reason: "try again", reset_by: "alice" });
    await waitForTask(task.task_uuid, hasStatus("blocked_by_failures"));
    await call(OPS, "PATCH", path, { action_type: "resolve_manually", reason: "not needed", resolved_by: "bob" });
    const actions = (await stepAudit(task.task_uuid, failed.step_uuid)).filter((t) => t.actor !== null);
    expect(actions.map((t) => [t.event, t.actor, t.metadata.performed_by])).toEqual([
      ["reset_for_retry", { name: "ops-key", via: "api_key" }, "alice"],
      ["resolve_manually", { name: "ops-key", via: "api_key" }, "bob"],
    ]);
  });

  it("leaves the actor null on the engine's own transitions", async () => {
    const { task, failed } = await blockedTask();
    const audit = await stepAudit(task.task_uuid, failed.step_uuid);
    expect(audit.length).toBeGreaterThan(2);
    expect(audit.every((t) => t.actor === null)).toBe(true);
  });
});

describe("task actions and cancellation record the authenticated caller", () => {
  it.each([
    ["give_up", "error"],
    ["resolve_manually", "resolved_manually"],
  ])("%s records the actor on the task's transition", async (action, status) => {
    const { task } = await blockedTask();
    await call(OPERATOR(), "PATCH", `/v1/tasks/${task.task_uuid}`, {
      action_type: action,
      reason: "ending it",
      performed_by: "someone-else",
    });
    const last = (await taskTransitions(task.task_uuid)).at(-1);
    expect(last).toMatchObject({
      to_state: status,
      actor: { name: "operator-1", via: "jwt" },
      metadata: { performed_by: "someone-else" },
    });
  });

  it("a cancel records the actor on the task and on every step it cancelled", async () => {
    const task = await createFromYaml(HELD_TEMPLATE);
    await call(OPS, "DELETE", `/v1/tasks/${task.task_uuid}`, { reason: "not wanted" });
    const cancelled = (await taskTransitions(task.task_uuid)).at(-1);
    expect(cancelled).toMatchObject({
      to_state: "cancelled",
      actor: { name: "ops-key", via: "api_key" },
      metadata: { reason: "not wanted" },
    });
    for (const name of ["held", "after_held"]) {
      const step = await stepNamed(task.task_uuid, name);
      expect((await stepAudit(task.task_uuid, step.step_uuid)).at(-1)).toMatchObject({
        to_state: "cancelled",
        actor: { name: "ops-key", via: "api_key" },
      });
    }
  });

  it("a body naming its own actor does not change who is recorded", async () => {
    const { task } = await blockedTask();
    const response = await app.request(
      `http://tasker.test/v1/tasks/${task.task_uuid}`,
      {
        method: "PATCH",
        headers: { "content-type": "application/json", "x-api-key": OPS_KEY },
        body: JSON.stringify({
          action_type: "give_up",
          reason: "x",
          performed_by: "x",
          actor: { name: "root", via: "api_key" },
        }),
      },
      authEnv,
    );
    // Refused as an unknown field, or ignored: either way the audit never names "root".
    expect([200, 400]).toContain(response.status);
    for (const transition of await taskTransitions(task.task_uuid)) expect(transition.actor?.name).not.toBe("root");
  });
});

describe("with authentication off", () => {
  it("records the caller as anonymous, via none", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const task = await createFromYaml(HELD_TEMPLATE);
    await call("anonymous", "DELETE", `/v1/tasks/${task.task_uuid}`);
    expect((await taskTransitions(task.task_uuid)).at(-1)).toMatchObject({ actor: { name: "anonymous", via: "none" } });
  });
});

describe("template registration records the authenticated caller", () => {
  it("shows the token's sub as registered_by", async () => {
    const version = `1.0.${Date.now() % 100_000}`;
    const yaml = `
name: audited
namespace_name: audit
version: ${version}
steps:
  - name: only
    handler: { callable: EchoHandler }
`;
    const headers = { "content-type": "application/yaml", authorization: `Bearer ${operatorToken}` };
    const put = await app.request(
      `http://tasker.test/v1/templates/audit/audited/${version}`,
      { method: "PUT", headers, body: yaml },
      authEnv,
    );
    expect(put.status, await put.clone().text()).toBe(201);
    const shown = await call(OPS, "GET", `/v1/templates/audit/audited/${version}`);
    expect(await shown.json()).toMatchObject({ origin: "registered", registered_by: "operator-1" });
  });
});
