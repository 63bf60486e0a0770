// The API contract against the live Worker: every route of the table answers, and every answer parses against its declared schema.

import { env } from "cloudflare:workers";
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ErrorEnvelopeSchema } from "../../src/contract/responses";
import { answeredErrors, type OperationId, ROUTES, type RouteContract, successStatuses } from "../../src/contract/routes";
import { api, hasStatus, seedOrder, taskRequest, waitForTask } from "./helpers";

type OpenApi = {
  paths: Record<
    string,
    Record<string, { operationId: string; responses: Record<string, { content: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
};

const openApi = async () => (await (await api("/openapi.json")).json()) as OpenApi;
const route = (id: OperationId): RouteContract => ROUTES[id];

/** The route's path with its parameters filled in. */
function pathOf(contract: RouteContract, params: Record<string, string>): string {
  return contract.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? "x"));
}

/**
 * Calls one operation and checks its answer against the contract: the status is one the route
 * declares, the body parses against that status's zod schema and validates against the JSON Schema
 * /openapi.json publishes for it. Returns the parsed body.
 */
async function call(
  doc: OpenApi,
  id: OperationId,
  params: Record<string, string> = {},
  init: { body?: unknown; text?: string; query?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const contract = route(id);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (init.text !== undefined) {
    headers["content-type"] = "application/yaml";
    body = init.text;
  } else if (init.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  const response = await api(`${pathOf(contract, params)}${init.query ?? ""}`, { method: contract.method, headers, body });
  const text = await response.text();
  const where = `${id} answered ${response.status}: ${text.slice(0, 500)}`;
  const declared = [...successStatuses(contract), ...answeredErrors(contract)];
  expect(declared, where).toContain(response.status);
  const json = JSON.parse(text) as unknown;
  const schema: z.ZodType = (contract.responses[response.status] as z.ZodType | undefined) ?? ErrorEnvelopeSchema;
  const parsed = schema.safeParse(json);
  expect(parsed.success, `${where}\n${parsed.error?.message}`).toBe(true);

  const published =
    doc.paths[contract.path]?.[contract.method.toLowerCase()]?.responses[response.status]?.content["application/json"]?.schema;
  expect(published, where).toBeDefined();
  const validator = new Validator({ ...published, components: doc.components } as object, "2020-12", false);
  const validation = validator.validate(json);
  expect(validation.valid, `${where}\n${JSON.stringify(validation.errors.slice(0, 5))}`).toBe(true);
  return { status: response.status, body: parsed.data };
}

const TEMPLATE_YAML = `
name: contract_probe
namespace_name: contract
version: 1.0.0
steps:
  - name: only
    handler:
      callable: Contract.Probe
`;

describe("the API contract", () => {
  it("is checked on every answer in the tests: the Worker's environment turns the response check on", () => {
    expect((env as unknown as Record<string, unknown>).TASKER_CHECK_RESPONSES).toBe("on");
  });

  it("registers every route of the table: each answers its method, never 404 no-route or 405", async () => {
    const doc = await openApi();
    const uuid = "0190a5b4-8c3e-7000-8000-000000000000";
    for (const id of Object.keys(ROUTES) as OperationId[]) {
      const contract = route(id);
      const response = await api(
        pathOf(contract, {
          task_uuid: uuid,
          step_uuid: uuid,
          namespace: "ecommerce",
          name: "order_fulfillment",
          version: "1.0.0",
        }),
        { method: contract.method },
      );
      const text = await response.text();
      expect(response.status, `${id}: ${text}`).not.toBe(405);
      if (response.status === 404) expect(JSON.parse(text).error.code, `${id}: ${text}`).not.toBe("not_found");
      expect([...successStatuses(contract), ...answeredErrors(contract)], `${id}: ${text}`).toContain(response.status);
      expect(doc.paths[contract.path]?.[contract.method.toLowerCase()]?.operationId).toBe(id);
    }
  });

  it("publishes a response schema for every operation and every status it answers, each resolving to a component", async () => {
    const doc = await openApi();
    for (const [id, contract] of Object.entries(ROUTES) as [OperationId, RouteContract][]) {
      const responses = doc.paths[contract.path]?.[contract.method.toLowerCase()]?.responses ?? {};
      const statuses = [...successStatuses(contract), ...answeredErrors(contract)].map(String).sort();
      expect(Object.keys(responses).sort(), id).toEqual(statuses);
      for (const [status, response] of Object.entries(responses)) {
        const schema = response.content["application/json"]?.schema as { $ref?: string } | undefined;
        const component = schema?.$ref?.replace("#/components/schemas/", "") ?? "";
        expect(doc.components.schemas[component], `${id} ${status}: ${schema?.$ref}`).toMatchObject({ type: "object" });
      }
    }
    expect(doc.components.schemas.TaskView).toMatchObject({
      additionalProperties: false,
      properties: { status: { enum: expect.arrayContaining(["complete", "blocked_by_failures"]) } },
    });
    expect(JSON.stringify(doc.components.schemas.StepsPage)).toContain("#/components/schemas/StepView");
  });

  it("answers the task routes as declared: create, read, list, transitions, steps, one step, its audit, actions, cancel", async () => {
    const doc = await openApi();
    const created = await call(doc, "createTask", {}, { body: seedOrder() });
    expect(created.status).toBe(201);
    const task_uuid = (created.body as { task_uuid: string }).task_uuid;
    await waitForTask(task_uuid, hasStatus("complete"));

    expect((await call(doc, "getTask", { task_uuid })).status).toBe(200);
    expect((await call(doc, "listTasks", {}, { query: "?per_page=5" })).status).toBe(200);
    expect((await call(doc, "taskTransitions", { task_uuid })).status).toBe(200);
    const steps = await call(doc, "listSteps", { task_uuid });
    expect((await call(doc, "stepGraph", { task_uuid })).status).toBe(200);
    const [first] = (steps.body as { steps: { step_uuid: string; results: unknown }[] }).steps;
    const step_uuid = first?.step_uuid ?? "";
    expect((await call(doc, "getStep", { task_uuid, step_uuid })).status).toBe(200);
    expect((await call(doc, "stepAudit", { task_uuid, step_uuid })).status).toBe(200);
    // Actions a finished task refuses: their error answers are declared too.
    const reset = await call(
      doc,
      "actOnStep",
      { task_uuid, step_uuid },
      {
        body: { action_type: "reset_for_retry", reason: "probe", reset_by: "ops" },
      },
    );
    expect(reset.status).toBe(409);
    const giveUp = await call(
      doc,
      "actOnTask",
      { task_uuid },
      {
        body: { action_type: "give_up", reason: "probe", performed_by: "ops" },
      },
    );
    expect(giveUp.status).toBe(409);
    expect((await call(doc, "cancelTask", { task_uuid })).status).toBe(409); // already complete: task_already_terminal
    expect((await call(doc, "pauseTask", { task_uuid }, { body: { reason: "probe" } })).status).toBe(409);
    expect((await call(doc, "resumeTask", { task_uuid }, { body: { reason: "probe" } })).status).toBe(409);

    // A task that waits for an event (two days, unless one comes) is still running when it is cancelled:
    // a seed order's eager steps can finish the whole task before the next request arrives.
    const other = await call(
      doc,
      "createTask",
      {},
      {
        body: taskRequest("approvals", "expense_decision", {
          expense_id: `EXP-${crypto.randomUUID().slice(0, 8)}`,
          amount: 420,
          employee: "ada",
        }),
      },
    );
    const otherUuid = (other.body as { task_uuid: string }).task_uuid;
    // Pausing a task that already finished answers 409; either answer is one the contract declares.
    expect([200, 409]).toContain((await call(doc, "pauseTask", { task_uuid: otherUuid }, { body: { reason: "probe" } })).status);
    expect([200, 409]).toContain((await call(doc, "resumeTask", { task_uuid: otherUuid }, { body: { reason: "probe" } })).status);
    const cancelled = await call(
      doc,
      "cancelTask",
      { task_uuid: (other.body as { task_uuid: string }).task_uuid },
      {
        body: { reason: "probe" },
      },
    );
    expect(cancelled.status).toBe(200);
    expect((await call(doc, "createTask", {}, { body: { name: "order_fulfillment" } })).status).toBe(400);
  });

  it("answers the template, health and document routes as declared", async () => {
    const doc = await openApi();
    expect((await call(doc, "listTemplates")).status).toBe(200);
    expect((await call(doc, "getTemplate", { namespace: "ecommerce", name: "order_fulfillment", version: "1.0.0" })).status).toBe(
      200,
    );
    expect((await call(doc, "validateTemplate", {}, { text: TEMPLATE_YAML })).body).toMatchObject({ valid: true });
    expect((await call(doc, "validateTemplate", {}, { text: "name: 1" })).body).toMatchObject({ valid: false });
    const identity = { namespace: "contract", name: "contract_probe", version: "1.0.0" };
    expect((await call(doc, "registerTemplate", identity, { text: TEMPLATE_YAML })).status).toBe(201);
    expect((await call(doc, "registerTemplate", identity, { text: TEMPLATE_YAML })).status).toBe(200);
    expect((await call(doc, "getTemplate", identity)).body).toMatchObject({ origin: "registered" });
    expect((await call(doc, "health")).status).toBe(200);
    expect((await call(doc, "liveness")).status).toBe(200);
    expect((await call(doc, "readiness")).status).toBe(200);
    expect((await call(doc, "openApiDocument")).status).toBe(200);
  });
});
