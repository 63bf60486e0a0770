import { describe, expect, it } from "vitest";
import { childContext, MAX_WORKFLOW_DEPTH, nestingProblem, runsAsFor } from "../../../src/engine/sub-workflow";
import { templateKey, WORKFLOW_HANDLER } from "../../../src/shared/names";
import type { StepDefinition } from "../../../src/templates/types";
import { parseWorkflowConfig } from "../../../src/templates/workflow-config";

const MAPPING_MESSAGE = (value: string) => `must be "context", "context.<path>" or "steps.<step_name>[.<path>]", not ${value}`;

describe("parseWorkflowConfig", () => {
  it("reads the template reference, leaving a missing namespace and version to be resolved later", () => {
    expect(parseWorkflowConfig({ task_template: "invoice" })).toEqual({
      ok: true,
      config: { template: { name: "invoice", namespace: null, version: null }, contextMapping: null },
    });
  });

  it("reads a full reference and a context mapping", () => {
    const mapping = { whole: "context", id: "context.order.id", total: "steps.price.total", result: "steps.price" };
    expect(
      parseWorkflowConfig({ task_template: "invoice", namespace: "billing", version: "2.1.0", context_mapping: mapping }),
    ).toEqual({
      ok: true,
      config: { template: { name: "invoice", namespace: "billing", version: "2.1.0" }, contextMapping: mapping },
    });
  });

  it.each([
    ["no task_template", {}, [{ path: "task_template", message: "is required: the name of the template the child task runs" }]],
    [
      "a task_template that is not a name",
      { task_template: "Invoice Run" },
      [{ path: "task_template", message: "is required: the name of the template the child task runs" }],
    ],
    [
      "a namespace that is not a name",
      { task_template: "a", namespace: 7 },
      [{ path: "namespace", message: "must be a namespace name" }],
    ],
    [
      "an empty version",
      { task_template: "a", version: "" },
      [{ path: "version", message: 'must be a version string, e.g. "1.0.0"' }],
    ],
    [
      "a version with a control character",
      { task_template: "a", version: "1.0.0\u0000" },
      [{ path: "version", message: 'must be a version string, e.g. "1.0.0"' }],
    ],
    [
      "a numeric version",
      { task_template: "a", version: 1 },
      [{ path: "version", message: 'must be a version string, e.g. "1.0.0"' }],
    ],
    [
      "a context mapping that is a list",
      { task_template: "a", context_mapping: ["context"] },
      [{ path: "context_mapping", message: "must map child context keys to context.<path> or steps.<step>.<path>" }],
    ],
    [
      "mapping sources outside context and steps",
      {
        task_template: "a",
        context_mapping: { a: "order.id", b: "context.", c: "steps", d: "steps.Bad", e: null, f: "context..x" },
      },
      [
        { path: "context_mapping.a", message: MAPPING_MESSAGE('"order.id"') },
        { path: "context_mapping.b", message: MAPPING_MESSAGE('"context."') },
        { path: "context_mapping.c", message: MAPPING_MESSAGE('"steps"') },
        { path: "context_mapping.d", message: MAPPING_MESSAGE('"steps.Bad"') },
        { path: "context_mapping.e", message: MAPPING_MESSAGE("null") },
        { path: "context_mapping.f", message: MAPPING_MESSAGE('"context..x"') },
      ],
    ],
  ])("reports %s", (_, initialization, problems) => {
    expect(parseWorkflowConfig(initialization)).toEqual({ ok: false, problems });
  });

  it("reports every problem at once", () => {
    const parsed = parseWorkflowConfig({ namespace: "", version: "", context_mapping: "x" });
    expect(parsed.ok === false && parsed.problems.map((p) => p.path)).toEqual([
      "task_template",
      "namespace",
      "version",
      "context_mapping",
    ]);
  });
});

describe("childContext", () => {
  const parentContext = { order: { id: 42, lines: [1, 2] }, customer: "ada", empty: null };
  const results = { price: { total: 99, currency: "EUR" }, ship: { carrier: { name: "dhl" } } };

  it("passes the parent's whole context when there is no mapping", () => {
    expect(childContext(null, parentContext, results)).toBe(parentContext);
  });

  it("maps context paths and dependency results to child keys", () => {
    expect(
      childContext(
        {
          id: "context.order.id",
          lines: "context.order.lines",
          all: "context",
          total: "steps.price.total",
          carrier: "steps.ship.carrier.name",
          price: "steps.price",
          nothing: "context.empty",
        },
        parentContext,
        results,
      ),
    ).toEqual({
      id: 42,
      lines: [1, 2],
      all: parentContext,
      total: 99,
      carrier: "dhl",
      price: { total: 99, currency: "EUR" },
      nothing: null,
    });
  });

  it("leaves out keys whose source is absent, including paths through non-maps and inherited properties", () => {
    expect(
      childContext(
        {
          missing: "context.order.nope",
          through_scalar: "context.customer.length",
          through_list: "context.order.lines.0",
          no_step: "steps.tax.total",
          inherited: "context.toString",
          kept: "context.customer",
        },
        parentContext,
        results,
      ),
    ).toEqual({ kept: "ada" });
  });
});

describe("nestingProblem", () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => templateKey("ns", `t${i}`, "1.0.0"));

  it("names template keys as namespace/name@version", () => {
    expect(templateKey("billing", "invoice", "1.2.0")).toBe("billing/invoice@1.2.0");
  });

  it("allows a child of a template not already running above it", () => {
    expect(nestingProblem([], "ns/a@1")).toBeNull();
    expect(nestingProblem(["ns/a@1", "ns/b@1"], "ns/a@2")).toBeNull();
  });

  it("refuses a child whose template is already running above it, showing the loop", () => {
    expect(nestingProblem(["ns/a@1", "ns/b@1"], "ns/a@1")).toEqual({
      code: "workflow_cycle",
      message: "ns/a@1 is already running above this step: ns/a@1 → ns/b@1 → ns/a@1",
    });
    expect(nestingProblem(["ns/a@1"], "ns/a@1")?.code).toBe("workflow_cycle");
  });

  it(`allows children down to ${MAX_WORKFLOW_DEPTH} levels below the root and refuses one more`, () => {
    expect(MAX_WORKFLOW_DEPTH).toBe(5);
    expect(nestingProblem(keys(MAX_WORKFLOW_DEPTH), "ns/child@1")).toBeNull();
    const lineage = keys(MAX_WORKFLOW_DEPTH + 1);
    expect(nestingProblem(lineage, "ns/child@1")).toEqual({
      code: "workflow_depth_exceeded",
      message: `child tasks nest at most 5 levels deep: ${[...lineage, "ns/child@1"].join(" → ")}`,
    });
  });

  it("reports a loop before the depth", () => {
    const lineage = keys(MAX_WORKFLOW_DEPTH + 1);
    expect(nestingProblem(lineage, lineage[0] ?? "")?.code).toBe("workflow_cycle");
  });
});

describe("runsAsFor", () => {
  const definition = (callable: string): StepDefinition => ({
    name: "s",
    description: null,
    type: "standard",
    handler: { callable, initialization: {} },
    dependencies: [],
    retry: { retryable: true, max_attempts: 1, backoff: "none", backoff_base_ms: 100, max_backoff_ms: 1000 },
    timeout_seconds: 30,
  });

  it(`runs a ${WORKFLOW_HANDLER} step as a child task and any other through the queue`, () => {
    expect(runsAsFor(definition("WorkflowHandler"))).toBe("child_task");
    expect(runsAsFor(definition("workflowhandler"))).toBe("queue");
    expect(runsAsFor(definition("PriceHandler"))).toBe("queue");
  });
});
