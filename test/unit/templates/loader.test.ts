import { describe, expect, it } from "vitest";
import { parseTemplate, validateTemplate } from "../../../src/templates/loader";
import { DEFAULT_RETRY } from "../../../src/templates/schema";
import { loadFile, readProjectFile, step, template, templateFiles, templateOf } from "./helpers";

const byName = <T extends { name: string }>(steps: T[], name: string) => steps.find((s) => s.name === name);

describe("the bundled templates", () => {
  const files = templateFiles();

  it("are all YAML files", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !file.endsWith(".yaml"))).toEqual([]);
  });

  it.each(files)("%s loads without problems", (file) => {
    const result = parseTemplate(readProjectFile(file));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it.each(files)("%s lives in the directory of its namespace and gives every step a description", (file) => {
    const loaded = loadFile(file);
    const expected =
      loaded.namespace_name === "bench"
        ? `bench/templates/${loaded.name}.yaml`
        : `examples/orchestrator/templates/${loaded.namespace_name}/${loaded.name}.yaml`;
    expect(file).toBe(expected);
    expect(loaded.description).toBeTruthy();
    expect(loaded.metadata).toMatchObject({ author: expect.any(String), tags: expect.any(Array) });
    for (const s of loaded.steps) expect(s.description, s.name).toBeTruthy();
  });

  it("order_fulfillment validates first, then reserves inventory and charges payment in parallel", () => {
    const order = loadFile("examples/orchestrator/templates/ecommerce/order_fulfillment.yaml");
    expect(order).toMatchObject({ name: "order_fulfillment", namespace_name: "ecommerce", version: "1.0.0" });
    expect(order.steps.map((s) => [s.name, s.handler.callable, s.dependencies])).toEqual([
      ["validate_order", "OrderValidationHandler", []],
      ["reserve_inventory", "InventoryHandler", ["validate_order"]],
      ["charge_payment", "PaymentHandler", ["validate_order"]],
    ]);
    expect(byName(order.steps, "charge_payment")?.retry).toEqual({
      retryable: true,
      max_attempts: 3,
      backoff: "exponential",
      backoff_base_ms: 500,
      max_backoff_ms: 10_000,
    });
    expect(order.input_schema).toMatchObject({ required: ["order_id", "customer_email"] });
  });

  it("article_publishing is a chain with handler initialization", () => {
    const article = loadFile("examples/orchestrator/templates/content/article_publishing.yaml");
    expect(article.steps.map((s) => [s.name, s.handler.callable, s.dependencies, s.handler.initialization])).toEqual([
      ["lint_draft", "DraftLintHandler", [], { max_title_length: 120 }],
      ["render_html", "HtmlRenderHandler", ["lint_draft"], {}],
      ["publish_article", "PublishHandler", ["render_html"], { base_url: "https://blog.example.com" }],
    ]);
  });

  it("sales_report is a diamond that joins", () => {
    const report = loadFile("examples/orchestrator/templates/analytics/sales_report.yaml");
    expect(report.steps.map((s) => [s.name, s.handler.callable, s.dependencies])).toEqual([
      ["extract_orders", "OrderExtractHandler", []],
      ["compute_revenue", "RevenueHandler", ["extract_orders"]],
      ["compute_customer_stats", "CustomerStatsHandler", ["extract_orders"]],
      ["build_report", "ReportBuilderHandler", ["compute_revenue", "compute_customer_stats"]],
    ]);
  });

  it("the demo templates exercise retries, permanent failure, an unknown handler and a long timeout", () => {
    const flaky = loadFile("examples/orchestrator/templates/demo/flaky_service.yaml");
    expect(flaky.steps.map((s) => [s.name, s.handler.callable])).toEqual([
      ["call_flaky_service", "FlakyServiceHandler"],
      ["record_outcome", "EchoHandler"],
    ]);
    expect(flaky.steps[0]?.handler.initialization).toEqual({ fail_times: 1 });
    expect(flaky.steps[0]?.retry).toEqual({
      retryable: true,
      max_attempts: 3,
      backoff: "exponential",
      backoff_base_ms: 200,
      max_backoff_ms: 2_000,
    });

    const permanent = loadFile("examples/orchestrator/templates/demo/permanent_failure.yaml");
    expect(permanent.steps.map((s) => [s.name, s.handler.callable, s.dependencies])).toEqual([
      ["validate_input", "RejectingHandler", []],
      ["never_runs", "EchoHandler", ["validate_input"]],
    ]);

    const unknown = loadFile("examples/orchestrator/templates/demo/unknown_handler.yaml");
    expect(unknown.steps.map((s) => [s.name, s.handler.callable])).toEqual([["mystery_step", "NoSuchHandler"]]);

    const slow = loadFile("examples/orchestrator/templates/demo/slow_step.yaml");
    expect(slow.steps.map((s) => [s.name, s.handler.callable, s.timeout_seconds])).toEqual([
      ["wait_a_while", "SleepHandler", 120],
      ["after_wait", "EchoHandler", 30],
    ]);
    expect(slow.steps[0]?.handler.initialization).toEqual({ duration_ms: 60_000 });
    for (const demo of [flaky, permanent, unknown, slow]) expect([demo.namespace_name, demo.version]).toEqual(["demo", "1.0.0"]);
  });
});

describe("defaults", () => {
  it("fills in everything a minimal template leaves out", () => {
    const loaded = templateOf(validateTemplate(template([{ name: "only", handler: { callable: "OnlyHandler" } }])));
    expect(loaded).toEqual({
      name: "sample",
      namespace_name: "testing",
      version: "1.0.0",
      description: null,
      metadata: null,
      input_schema: null,
      identity_strategy: "strict",
      steps: [
        {
          name: "only",
          description: null,
          type: "standard",
          handler: { callable: "OnlyHandler", initialization: {} },
          dependencies: [],
          retry: { ...DEFAULT_RETRY },
          timeout_seconds: 30,
        },
      ],
    });
    expect(DEFAULT_RETRY).toEqual({
      retryable: true,
      max_attempts: 3,
      backoff: "exponential",
      backoff_base_ms: 1000,
      max_backoff_ms: 30_000,
    });
  });

  it("fills in the keys a partial retry block leaves out", () => {
    const loaded = templateOf(validateTemplate(template([step("a", { retry: { max_attempts: 5 } })])));
    expect(loaded.steps[0]?.retry).toEqual({ ...DEFAULT_RETRY, max_attempts: 5 });
  });

  it("starts every step from the template's default_retry, letting a step override key by key", () => {
    const raw = {
      ...template([step("a"), step("b", { retry: { max_attempts: 1, backoff: "none" } })]),
      default_retry: { max_attempts: 6, backoff: "linear", backoff_base_ms: 250 },
    };
    const loaded = templateOf(validateTemplate(raw));
    expect(loaded.steps[0]?.retry).toEqual({ ...DEFAULT_RETRY, max_attempts: 6, backoff: "linear", backoff_base_ms: 250 });
    expect(loaded.steps[1]?.retry).toEqual({ ...DEFAULT_RETRY, max_attempts: 1, backoff: "none", backoff_base_ms: 250 });
  });

  it("validates default_retry like a step's retry, including a cap below the combined base", () => {
    const raw = {
      ...template([step("a", { retry: { max_backoff_ms: 2_000 } })]),
      default_retry: { backoff_base_ms: 5_000, max_attempts: 0 },
    };
    const result = validateTemplate(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path).sort()).toEqual(["default_retry.max_attempts", "steps[0].retry.max_backoff_ms"]);
  });

  it("raises the default backoff cap to a larger explicit base instead of rejecting a key the author never wrote", () => {
    const loaded = templateOf(validateTemplate(template([step("a", { retry: { backoff_base_ms: 60_000 } })])));
    expect(loaded.steps[0]?.retry).toMatchObject({ backoff_base_ms: 60_000, max_backoff_ms: 60_000 });
  });

  it("treats empty YAML values as not given", () => {
    const loaded = templateOf(
      parseTemplate(`
name: sample
namespace_name: testing
version: "1"
description:
metadata:
steps:
  - name: a
    description:
    handler:
      callable: AHandler
      initialization:
    dependencies:
    retry:
    timeout_seconds:
`),
    );
    expect(loaded.steps[0]).toMatchObject({ dependencies: [], retry: DEFAULT_RETRY, timeout_seconds: 30, description: null });
    expect(loaded.steps[0]?.handler.initialization).toEqual({});
  });

  it("gives every step its own retry object, so changing one step cannot change another", () => {
    const loaded = templateOf(validateTemplate(template([step("a"), step("b")])));
    expect(loaded.steps[0]?.retry).not.toBe(loaded.steps[1]?.retry);
  });
});

describe("Tasker compatibility", () => {
  it("accepts step_type and depends_on as aliases of type and dependencies", () => {
    const loaded = templateOf(
      validateTemplate(
        template([step("a", { step_type: "decision" }), step("b", { depends_on: ["a"], type: "deferred_convergence" })]),
      ),
    );
    expect(loaded.steps.map((s) => [s.type, s.dependencies])).toEqual([
      ["decision", []],
      ["deferred_convergence", ["a"]],
    ]);
  });

  it("accepts the keys it does not act on yet, and leaves them out of the normalised template", () => {
    const loaded = templateOf(
      validateTemplate(
        template(
          [
            step("a", {
              handler: { callable: "Ns.AHandler", method: "process", resolver: "explicit_mapping", initialization: { k: 1 } },
              system_dependency: "payments",
              publishes_events: [{ name: "a.done", schema: {} }],
              result_schema: { type: "object" },
              composition: { anything: true },
            }),
          ],
          {
            system_dependencies: { primary: "default", secondary: [] },
            domain_events: [],
            environments: { test: { steps: [{ name: "ALL", timeout_seconds: 10 }] } },
            lifecycle: { max_duration_minutes: 60 },
          },
        ),
      ),
    );
    expect(Object.keys(loaded).sort()).toEqual([
      "description",
      "identity_strategy",
      "input_schema",
      "metadata",
      "name",
      "namespace_name",
      "steps",
      "version",
    ]);
    expect(loaded.steps[0]).toEqual({
      name: "a",
      description: null,
      type: "standard",
      handler: { callable: "Ns.AHandler", initialization: { k: 1 } },
      dependencies: [],
      retry: DEFAULT_RETRY,
      timeout_seconds: 30,
    });
  });

  it("keeps metadata, including keys of its own, and unquoted dates as text", () => {
    const loaded = templateOf(
      parseTemplate(`
name: sample
namespace_name: testing
version: "1.0.0"
metadata:
  author: someone
  tags: [a, b]
  created_at: 2025-01-15
  notes: free-form
steps:
  - { name: a, handler: { callable: AHandler } }
`),
    );
    expect(loaded.metadata).toEqual({ author: "someone", tags: ["a", "b"], created_at: "2025-01-15", notes: "free-form" });
  });

  it("supports YAML merge keys, e.g. to share one retry block", () => {
    const loaded = templateOf(
      parseTemplate(`
name: sample
namespace_name: testing
version: "1.0.0"
steps:
  - name: a
    handler: { callable: AHandler }
    retry: &retry
      max_attempts: 7
      backoff_base_ms: 250
  - name: b
    handler: { callable: BHandler }
    retry:
      <<: *retry
      backoff: linear
`),
    );
    expect(loaded.steps[1]?.retry).toMatchObject({ max_attempts: 7, backoff_base_ms: 250, backoff: "linear" });
  });

  it("reads JSON when asked to", () => {
    const loaded = templateOf(parseTemplate(JSON.stringify(template([step("a")])), "json"));
    expect(loaded.steps.map((s) => s.name)).toEqual(["a"]);
  });
});
