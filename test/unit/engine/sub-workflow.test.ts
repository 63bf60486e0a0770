import { describe, expect, it } from "vitest";
import { childContext, MAX_WORKFLOW_DEPTH, nestingProblem, runsAsFor } from "../../../src/engine/sub-workflow";
import { templateKey, WORKFLOW_HANDLER } from "../../../src/shared/names";
import type { StepDefinition } from "../../../src/templates/types";

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
