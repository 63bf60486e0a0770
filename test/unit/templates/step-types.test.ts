import { describe, expect, it } from "vitest";
import { validateTemplate } from "../../../src/templates/loader";
import { TemplateRegistry } from "../../../src/templates/registry";
import { BATCH_BOUNDS, BATCH_DEFAULTS } from "../../../src/templates/schema";
import { checkStepTypes } from "../../../src/templates/step-types";
import type { TaskTemplate } from "../../../src/templates/types";
import { childTemplatesOf, findWorkflowCycle } from "../../../src/templates/workflow-references";
import { problemsOf, type RawStep, step, template, templateOf } from "./helpers";

const reject = (raw: unknown) => problemsOf(validateTemplate(raw));
const load = (raw: unknown) => templateOf(validateTemplate(raw));

const batchable = (config: Record<string, unknown> = { worker_template: "work" }, fields: RawStep = {}) =>
  step("plan", { type: "batchable", batch_config: config, ...fields });
const worker = (fields: RawStep = {}) => step("work", { type: "batch_worker", dependencies: ["plan"], ...fields });
const workflowStep = (name: string, initialization: Record<string, unknown> | null, fields: RawStep = {}) =>
  step(name, { handler: { callable: "WorkflowHandler", initialization }, ...fields });

describe("checkStepTypes (through validateTemplate)", () => {
  it("accepts a batch, a decision with a convergence step and a workflow step together", () => {
    const loaded = load(
      template([
        batchable(),
        worker(),
        step("merge", { type: "deferred_convergence", dependencies: ["work"] }),
        step("route", { type: "decision", dependencies: ["merge"] }),
        step("left", { dependencies: ["route"] }),
        step("join", { type: "deferred_convergence", dependencies: ["left"] }),
        workflowStep("child", { task_template: "invoice", version: "1.0.0", context_mapping: { id: "context.order.id" } }),
      ]),
    );
    expect(checkStepTypes(loaded)).toEqual([]);
    expect(loaded.steps.map((s) => s.type)).toEqual([
      "batchable",
      "batch_worker",
      "deferred_convergence",
      "decision",
      "standard",
      "deferred_convergence",
      "standard",
    ]);
  });

  it("requires batch_config on a batchable step, and then finds the orphaned worker", () => {
    expect(reject(template([step("plan", { type: "batchable" }), worker()]))).toEqual([
      { path: "steps[0].batch_config", message: "is required: a batchable step names its worker template here" },
      { path: "steps[1].type", message: "no batchable step names this batch_worker as its worker_template" },
    ]);
  });

  it("refuses batch_config on a step of another type", () => {
    expect(reject(template([step("a", { batch_config: { worker_template: "work" } })]))).toEqual([
      { path: "steps[0].batch_config", message: "only batchable steps take batch_config (this step is standard)" },
    ]);
    expect(reject(template([step("a", { type: "decision", batch_config: { worker_template: "a" } })]))).toEqual([
      { path: "steps[0].batch_config", message: "only batchable steps take batch_config (this step is decision)" },
    ]);
  });

  it("requires worker_template to name a step", () => {
    expect(reject(template([batchable({ worker_template: "nope" })]))).toEqual([
      { path: "steps[0].batch_config.worker_template", message: 'names no step: "nope"' },
    ]);
  });

  it("requires the worker template to be a batch_worker", () => {
    expect(reject(template([batchable(), step("work", { dependencies: ["plan"] })]))).toEqual([
      { path: "steps[0].batch_config.worker_template", message: '"work" must have type batch_worker (it is standard)' },
    ]);
  });

  it("requires the worker template to depend on its batchable step (the worker is then unclaimed too)", () => {
    expect(reject(template([step("first"), batchable(), worker({ dependencies: ["first"] })]))).toEqual([
      { path: "steps[1].batch_config.worker_template", message: '"work" must list "plan" in its dependencies' },
      { path: "steps[2].type", message: "no batchable step names this batch_worker as its worker_template" },
    ]);
  });

  it("refuses a worker template shared by two batchable steps, at the second one", () => {
    expect(
      reject(
        template([
          step("plan_a", { type: "batchable", batch_config: { worker_template: "work" } }),
          step("plan_b", { type: "batchable", batch_config: { worker_template: "work" } }),
          step("work", { type: "batch_worker", dependencies: ["plan_a", "plan_b"] }),
        ]),
      ),
    ).toEqual([{ path: "steps[1].batch_config.worker_template", message: '"work" is already the worker template of "plan_a"' }]);
  });

  it("refuses a batch_worker no batchable step names", () => {
    expect(reject(template([step("plan"), step("work", { type: "batch_worker", dependencies: ["plan"] })]))).toEqual([
      { path: "steps[1].type", message: "no batchable step names this batch_worker as its worker_template" },
    ]);
  });

  it("requires a deferred_convergence step to list the steps it may wait for", () => {
    expect(reject(template([step("a"), step("join", { type: "deferred_convergence" })]))).toEqual([
      { path: "steps[1].dependencies", message: "a deferred_convergence step lists every step it may wait for" },
    ]);
  });

  it("requires a workflow step to be standard", () => {
    expect(reject(template([workflowStep("child", { task_template: "invoice" }, { type: "decision" })]))).toEqual([
      { path: "steps[0].type", message: "a WorkflowHandler step must be standard (it is decision)" },
    ]);
  });

  it("reports a workflow step's initialization problems under handler.initialization", () => {
    expect(
      reject(
        template([
          step("a"),
          workflowStep("child", {
            task_template: "Invoice",
            namespace: "Billing",
            version: "",
            context_mapping: { id: "order.id", ok: "steps.a.total", bad: 3 },
          }),
        ]),
      ),
    ).toEqual([
      {
        path: "steps[1].handler.initialization.task_template",
        message: "is required: the name of the template the child task runs",
      },
      { path: "steps[1].handler.initialization.namespace", message: "must be a namespace name" },
      { path: "steps[1].handler.initialization.version", message: 'must be a version string, e.g. "1.0.0"' },
      {
        path: "steps[1].handler.initialization.context_mapping.id",
        message: 'must be "context", "context.<path>" or "steps.<step_name>[.<path>]", not "order.id"',
      },
      {
        path: "steps[1].handler.initialization.context_mapping.bad",
        message: 'must be "context", "context.<path>" or "steps.<step_name>[.<path>]", not 3',
      },
    ]);
  });

  it("requires a task_template on a workflow step without initialization", () => {
    expect(reject(template([workflowStep("child", null)]))).toEqual([
      {
        path: "steps[0].handler.initialization.task_template",
        message: "is required: the name of the template the child task runs",
      },
    ]);
  });

  it("does not run while the schema or graph has problems, so the reports do not pile up", () => {
    // The orphaned worker would be a step-type problem; the unknown dependency is reported alone.
    expect(reject(template([step("work", { type: "batch_worker", dependencies: ["gone"] })]))).toEqual([
      { path: "steps[0].dependencies[0]", message: 'depends on unknown step "gone"' },
    ]);
  });
});

describe("batch_config", () => {
  it(`defaults to batch_size ${BATCH_DEFAULTS.batch_size}, parallelism ${BATCH_DEFAULTS.parallelism}, cursor_field "id" and continue_on_failure`, () => {
    const loaded = load(template([batchable(), worker()]));
    expect(loaded.steps[0]?.batch_config).toEqual({
      worker_template: "work",
      batch_size: 1000,
      parallelism: 10,
      cursor_field: "id",
      failure_strategy: "continue_on_failure",
    });
    // Empty YAML values count as not given.
    const nulls = load(
      template([
        batchable({ worker_template: "work", batch_size: null, parallelism: null, cursor_field: null, failure_strategy: null }),
        worker(),
      ]),
    );
    expect(nulls.steps[0]?.batch_config).toEqual(loaded.steps[0]?.batch_config);
    expect(loaded.steps[1]?.batch_config).toBeUndefined();
  });

  it("keeps the values given, at their bounds", () => {
    const config = {
      worker_template: "work",
      batch_size: BATCH_BOUNDS.batch_size.max,
      parallelism: BATCH_BOUNDS.parallelism.min,
      cursor_field: "row_id",
      failure_strategy: "fail_fast",
    };
    expect(load(template([batchable(config), worker()])).steps[0]?.batch_config).toEqual(config);
    const lowest = { ...config, batch_size: 1, parallelism: 1_000, failure_strategy: "isolate" };
    expect(load(template([batchable(lowest), worker()])).steps[0]?.batch_config).toEqual(lowest);
  });

  it.each([
    ["batch_size", 0, "must be at least 1"],
    ["batch_size", 100_001, "must be at most 100000"],
    ["batch_size", 2.5, "must be a whole number, not the number 2.5"],
    ["parallelism", 0, "must be at least 1"],
    ["parallelism", 1_001, "must be at most 1000"],
    ["parallelism", "ten", 'must be a whole number, not the string "ten"'],
    ["cursor_field", "", "must not be empty"],
    ["failure_strategy", "stop", 'must be one of fail_fast, continue_on_failure, isolate, not the string "stop"'],
    ["worker_template", "Work", "must be a step name"],
    ["worker_template", undefined, "is required: the name of the batch_worker step each cursor becomes"],
  ])("rejects %s: %j", (key, value, message) => {
    const config: Record<string, unknown> = { worker_template: "work", [key]: value };
    if (value === undefined) delete config[key];
    expect(reject(template([batchable(config), worker()]))).toEqual([{ path: `steps[0].batch_config.${key}`, message }]);
  });

  it("suggests the key an unknown batch_config key most likely meant", () => {
    expect(reject(template([batchable({ worker_template: "work", paralelism: 4, worker: "x" }), worker()]))).toEqual([
      { path: "steps[0].batch_config.paralelism", message: 'unknown key "paralelism" (did you mean "parallelism"?)' },
      { path: "steps[0].batch_config.worker", message: 'unknown key "worker" (did you mean "worker_template"?)' },
    ]);
  });
});

/** A template in namespace `testing` whose steps start the named templates as child tasks. */
function parent(name: string, version: string, children: Record<string, unknown>[] = []): TaskTemplate {
  return load(
    template([step("first"), ...children.map((initialization, i) => workflowStep(`child_${i}`, initialization))], {
      name,
      version,
    }),
  );
}

describe("findWorkflowCycle", () => {
  it("finds a template that starts itself", () => {
    expect(findWorkflowCycle([parent("a", "1.0.0", [{ task_template: "a" }])])).toEqual(["testing/a@1.0.0", "testing/a@1.0.0"]);
  });

  it("finds two templates that start each other", () => {
    const templates = [
      parent("a", "1.0.0", [{ task_template: "b", version: "2.0.0" }]),
      parent("b", "2.0.0", [{ task_template: "a" }]),
    ];
    expect(findWorkflowCycle(templates)).toEqual(["testing/a@1.0.0", "testing/b@2.0.0", "testing/a@1.0.0"]);
  });

  it("treats a reference without a version as reaching every version", () => {
    const b1 = parent("b", "1.0.0");
    const b2 = parent("b", "2.0.0", [{ task_template: "a", version: "1.0.0" }]);
    const a = parent("a", "1.0.0", [{ task_template: "b" }]);
    expect(childTemplatesOf(a, [a, b1, b2]).map((t) => t.version)).toEqual(["1.0.0", "2.0.0"]);
    expect(findWorkflowCycle([a, b1, b2])).toEqual(["testing/a@1.0.0", "testing/b@2.0.0", "testing/a@1.0.0"]);
    // Pinned to the version that starts nothing, the same templates have no loop.
    const pinned = parent("a", "1.0.0", [{ task_template: "b", version: "1.0.0" }]);
    expect(findWorkflowCycle([pinned, b1, b2])).toBeNull();
  });

  it("resolves a missing namespace to the parent's own, and a given one to that namespace", () => {
    const elsewhere = parent("a", "1.0.0", [{ task_template: "a", namespace: "other" }]);
    expect(findWorkflowCycle([elsewhere])).toBeNull();
    const explicit = parent("a", "1.0.0", [{ task_template: "a", namespace: "testing" }]);
    expect(findWorkflowCycle([explicit])).toEqual(["testing/a@1.0.0", "testing/a@1.0.0"]);
  });

  it("finds no loop in a chain or a diamond of child tasks", () => {
    const templates = [
      parent("top", "1.0.0", [{ task_template: "left" }, { task_template: "right" }]),
      parent("left", "1.0.0", [{ task_template: "bottom" }]),
      parent("right", "1.0.0", [{ task_template: "bottom" }]),
      parent("bottom", "1.0.0"),
    ];
    expect(findWorkflowCycle(templates)).toBeNull();
  });
});

describe("TemplateRegistry and child-task loops", () => {
  it("refuses templates that start each other in a loop, naming the loop", () => {
    const templates = [parent("a", "1.0.0", [{ task_template: "b" }]), parent("b", "1.0.0", [{ task_template: "a" }])];
    expect(() => new TemplateRegistry(templates)).toThrow(
      "templates start each other as child tasks in a loop: testing/a@1.0.0 → testing/b@1.0.0 → testing/a@1.0.0",
    );
  });

  it("accepts templates that start each other without a loop", () => {
    const registry = new TemplateRegistry([parent("a", "1.0.0", [{ task_template: "b" }]), parent("b", "1.0.0")]);
    expect(registry.size).toBe(2);
  });
});

describe("deferred_convergence placement", () => {
  it("refuses a convergence step that no decision or batch worker is above, since nothing would create it", () => {
    const result = validateTemplate(template([step("a"), step("conv", { type: "deferred_convergence", dependencies: ["a"] })]));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      {
        path: "steps[1].type",
        message:
          "a deferred_convergence step must be below a decision or a batch_worker step (they create it); use standard here",
      },
    ]);
  });
});
