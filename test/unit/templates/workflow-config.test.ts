import { describe, expect, it } from "vitest";
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
