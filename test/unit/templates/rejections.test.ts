import { describe, expect, it } from "vitest";
import { MAX_NAMESPACE_LENGTH, MAX_TEMPLATE_STEPS } from "../../../src/shared/limits";
import { MAX_TEMPLATE_DEPTH, parseTemplate, validateTemplate } from "../../../src/templates/loader";
import { problemsOf, step, template } from "./helpers";

/** The problems of a raw template, which must be rejected. */
const reject = (raw: unknown) => problemsOf(validateTemplate(raw));

describe("graph problems", () => {
  it("rejects a dependency on an unknown step, naming only that step, at the entry's path", () => {
    const problems = reject(template([step("a"), step("b"), step("c", { dependencies: ["a", "nope"] })]));
    expect(problems).toEqual([{ path: "steps[2].dependencies[1]", message: 'depends on unknown step "nope"' }]);
  });

  it("points at depends_on when the author used the alias", () => {
    const problems = reject(template([step("a"), step("b", { depends_on: ["missing"] })]));
    expect(problems).toEqual([{ path: "steps[1].depends_on[0]", message: 'depends on unknown step "missing"' }]);
  });

  it("rejects a duplicate step name at the later duplicate", () => {
    const problems = reject(template([step("a"), step("b"), step("a")]));
    expect(problems).toEqual([{ path: "steps[2].name", message: 'duplicate step name "a" (also steps[0])' }]);
  });

  it("rejects a step that depends on itself", () => {
    const problems = reject(template([step("a"), step("b", { dependencies: ["a", "b"] })]));
    expect(problems).toEqual([{ path: "steps[1].dependencies[1]", message: 'step "b" depends on itself' }]);
  });

  it("rejects a dependency listed twice", () => {
    const problems = reject(template([step("a"), step("b", { dependencies: ["a", "a"] })]));
    expect(problems).toEqual([{ path: "steps[1].dependencies[1]", message: '"a" is listed more than once' }]);
  });

  it("rejects a two-step cycle once, at the dependencies of its first step", () => {
    const problems = reject(template([step("a", { dependencies: ["b"] }), step("b", { dependencies: ["a"] })]));
    expect(problems).toEqual([{ path: "steps[0].dependencies", message: "cycle: a → b → a" }]);
  });

  it("rejects a three-step cycle once, even when it is not in template order", () => {
    const problems = reject(
      template([
        step("start"),
        step("c", { dependencies: ["start", "b"] }),
        step("a", { dependencies: ["c"] }),
        step("b", { dependencies: ["a"] }),
      ]),
    );
    expect(problems).toEqual([{ path: "steps[1].dependencies", message: "cycle: c → b → a → c" }]);
  });

  it("reports separate cycles separately, and names steps caught in the same loop", () => {
    const problems = reject(
      template([
        step("a", { dependencies: ["b"] }),
        step("b", { dependencies: ["a", "c"] }),
        step("c", { dependencies: ["b"] }),
        step("x", { dependencies: ["y"] }),
        step("y", { dependencies: ["x"] }),
      ]),
    );
    expect(problems).toEqual([
      { path: "steps[0].dependencies", message: "cycle: a → b → a (c is caught in the same loop)" },
      { path: "steps[3].dependencies", message: "cycle: x → y → x" },
    ]);
  });
});

describe("schema problems", () => {
  it("rejects a step without a handler", () => {
    const problems = reject(template([{ name: "a" }]));
    expect(problems).toEqual([{ path: "steps[0].handler", message: "is required: every step needs a handler with a callable" }]);
  });

  it("rejects a handler without a callable", () => {
    const problems = reject(template([{ name: "a", handler: { initialization: {} } }]));
    expect(problems).toEqual([
      { path: "steps[0].handler.callable", message: "is required: the name of the registered handler that runs this step" },
    ]);
  });

  it("rejects values of the wrong type, saying what was found", () => {
    const problems = reject(
      template([
        step("a", { retry: { max_attempts: "three", retryable: "yes" }, dependencies: "b", timeout_seconds: 2.5 }),
        step("b"),
      ]),
    );
    expect(problems).toEqual([
      { path: "steps[0].dependencies", message: 'must be a list, not the string "b"' },
      { path: "steps[0].retry.retryable", message: 'must be true or false, not the string "yes"' },
      { path: "steps[0].retry.max_attempts", message: 'must be a whole number, not the string "three"' },
      { path: "steps[0].timeout_seconds", message: "must be a whole number, not the number 2.5" },
    ]);
  });

  it("rejects retry settings outside their ranges", () => {
    const problems = reject(
      template([
        step("a", { retry: { max_attempts: 0, backoff_base_ms: 50 } }),
        step("b", { retry: { max_attempts: 101, max_backoff_ms: 3_600_001, backoff: "quadratic" } }),
        step("c", { retry: { backoff_base_ms: 5_000, max_backoff_ms: 2_000 } }),
        step("d", { timeout_seconds: 901 }),
      ]),
    );
    expect(problems).toEqual([
      { path: "steps[0].retry.max_attempts", message: "must be at least 1" },
      { path: "steps[0].retry.backoff_base_ms", message: "must be at least 100" },
      { path: "steps[1].retry.max_attempts", message: "must be at most 100" },
      {
        path: "steps[1].retry.backoff",
        message: 'must be one of none, linear, exponential, fibonacci, not the string "quadratic"',
      },
      { path: "steps[1].retry.max_backoff_ms", message: "must be at most 3600000" },
      { path: "steps[2].retry.max_backoff_ms", message: "must be at least backoff_base_ms (5000)" },
      { path: "steps[3].timeout_seconds", message: "must be at most 900" },
    ]);
  });

  it("rejects unknown keys at every level, suggesting the key that was probably meant", () => {
    const problems = reject(
      template(
        [
          step("a", {
            dependancies: ["b"],
            handler: { callable: "A", intialization: {} },
            retry: { max_attempt: 2 },
            colour: "red",
          }),
          step("b"),
        ],
        { namespace: "x" },
      ),
    );
    expect(problems).toEqual([
      { path: "namespace", message: 'unknown key "namespace" (did you mean "namespace_name"?)' },
      { path: "steps[0].handler.intialization", message: 'unknown key "intialization" (did you mean "initialization"?)' },
      { path: "steps[0].retry.max_attempt", message: 'unknown key "max_attempt" (did you mean "max_attempts"?)' },
      { path: "steps[0].dependancies", message: 'unknown key "dependancies" (did you mean "dependencies"?)' },
      { path: "steps[0].colour", message: 'unknown key "colour"' },
    ]);
  });

  it("rejects a key given together with its alias", () => {
    const problems = reject(
      template([step("a"), step("b", { dependencies: ["a"], depends_on: ["a"], type: "standard", step_type: "decision" })]),
    );
    expect(problems).toEqual([
      { path: "steps[1].step_type", message: '"step_type" is another name for "type"; give only one of them' },
      { path: "steps[1].depends_on", message: '"depends_on" is another name for "dependencies"; give only one of them' },
    ]);
  });

  it("rejects Tasker's misspelt step types", () => {
    expect(reject(template([step("a", { type: "deferred" })]))).toEqual([
      {
        path: "steps[0].type",
        message: 'must be one of standard, decision, deferred_convergence, batchable, batch_worker, not the string "deferred"',
      },
    ]);
  });

  it("asks for quotes around a version that YAML read as a number", () => {
    const problems = problemsOf(
      parseTemplate("name: sample\nnamespace_name: testing\nversion: 1.0\nsteps:\n  - { name: a, handler: { callable: A } }\n"),
    );
    expect(problems).toEqual([
      {
        path: "version",
        message: 'must be a string, but YAML read the unquoted version as the number 1; quote it, e.g. version: "1.0.0"',
      },
    ]);
  });

  it("rejects names that cannot be queue names or URL segments", () => {
    const problems = reject(
      template([step("Validate-Order")], {
        name: "2fast",
        namespace_name: "n".repeat(MAX_NAMESPACE_LENGTH + 1),
        version: "1.0 beta",
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(["name", "namespace_name", "version", "steps[0].name"]);
    expect(problems[1]?.message).toBe(
      `must be at most ${MAX_NAMESPACE_LENGTH} characters long (it has ${MAX_NAMESPACE_LENGTH + 1})`,
    );
  });

  it("keeps names and versions to a printable ASCII charset: no control, bidirectional or invisible characters", () => {
    for (const version of ["1.0.0\u0000", "1.0\u202e", "1.0.0\u200b", "１.0", "1.0?x", "-1"]) {
      expect(
        reject(template([step("a")], { version })).map((p) => p.path),
        JSON.stringify(version),
      ).toEqual(["version"]);
    }
    for (const name of ["order\u202e", "café", "order\u0000"]) {
      expect(
        reject(template([step("a")], { name })).map((p) => p.path),
        JSON.stringify(name),
      ).toEqual(["name"]);
    }
    for (const version of ["1.0.0", "2024.06.01", "v2", "1.0.0-rc.1+build.5", "1_0"]) {
      expect(validateTemplate(template([step("a")], { version })).ok, version).toBe(true);
    }
  });

  it("requires at least one step and at most MAX_TEMPLATE_STEPS", () => {
    expect(reject(template([]))).toEqual([{ path: "steps", message: "must list at least 1 item" }]);
    expect(reject(template(undefined))).toEqual([{ path: "steps", message: "is required: a template needs at least one step" }]);
    const tooMany = Array.from({ length: MAX_TEMPLATE_STEPS + 1 }, (_, i) => step(`s${i}`));
    expect(reject(template(tooMany))).toEqual([
      { path: "steps", message: `must list at most ${MAX_TEMPLATE_STEPS} items (it has ${MAX_TEMPLATE_STEPS + 1})` },
    ]);
  });

  it("rejects a step that is not a map", () => {
    expect(reject(template([step("a"), "b"]))).toEqual([
      { path: "steps[1]", message: 'must be a map of keys to values, not the string "b"' },
    ]);
  });

  it("rejects an input_schema that would fail at submission time", () => {
    const problems = reject(
      template([step("a")], {
        input_schema: {
          type: "object",
          properties: { a: { $ref: "#/$defs/missing" }, b: { type: "strng" }, c: { type: "string", pattern: "(" } },
        },
      }),
    );
    expect(problems).toEqual([
      { path: "input_schema.properties.a.$ref", message: '$ref "#/$defs/missing" does not resolve' },
      { path: "input_schema.properties.b.type", message: '"strng" is not a JSON Schema type' },
      { path: "input_schema.properties.c.pattern", message: "is not a valid regular expression" },
    ]);
  });
});

describe("text that is not a template", () => {
  it("reports malformed YAML with its line number", () => {
    const problems = problemsOf(parseTemplate("name: sample\nsteps:\n  - name: a\n   handler: x\n"));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe("");
    expect(problems[0]?.message).toMatch(/^YAML syntax error at line 4, column \d+: /);
  });

  it("reports a duplicated key as a syntax error", () => {
    const problems = problemsOf(parseTemplate('name: a\nname: b\nnamespace_name: t\nversion: "1"\nsteps: []\n'));
    expect(problems[0]?.message).toMatch(/^YAML syntax error at line 2, column \d+: duplicated mapping key/);
  });

  it("reports malformed JSON", () => {
    expect(problemsOf(parseTemplate("{", "json"))[0]).toMatchObject({
      path: "",
      message: expect.stringMatching(/^JSON syntax error: /),
    });
  });

  it("reports an empty document and a document that is not a map", () => {
    expect(problemsOf(parseTemplate(""))).toEqual([{ path: "", message: "the template is empty" }]);
    expect(problemsOf(parseTemplate("- a\n- b\n"))).toEqual([
      { path: "", message: "a template must be a map with keys such as name, namespace_name, version and steps" },
    ]);
  });

  it("refuses YAML aliases that expand exponentially or refer to themselves", () => {
    const levels = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]"];
    for (let i = 1; i < 8; i++)
      levels.push(
        `l${i}: &l${i} [${Array(9)
          .fill(i === 1 ? "*a" : `*l${i - 1}`)
          .join(", ")}]`,
      );
    const bomb = problemsOf(parseTemplate(`${levels.join("\n")}\n`));
    expect(bomb).toEqual([{ path: "", message: expect.stringContaining("more than 200000 values") }]);
    expect(problemsOf(parseTemplate("a: &a [*a]\n"))).toEqual([
      { path: "", message: expect.stringContaining("recursive YAML alias") },
    ]);
  });

  it("refuses values nested deeper than MAX_TEMPLATE_DEPTH, which the checks would have to recurse through", () => {
    let deep: unknown = "bottom";
    // The template, steps, the step, handler and initialization take the first levels.
    for (let i = 0; i < MAX_TEMPLATE_DEPTH - 4; i++) deep = { nested: deep };
    expect(validateTemplate(template([step("a", { handler: { callable: "A", initialization: deep } })])).ok).toBe(true);
    for (let i = 0; i < 10_000; i++) deep = { nested: deep };
    expect(problemsOf(validateTemplate(template([step("a")], { input_schema: deep })))).toEqual([
      {
        path: "",
        message: `the template nests maps and lists more than ${MAX_TEMPLATE_DEPTH} levels deep (or has a recursive YAML alias)`,
      },
    ]);
  });
});

describe("reporting", () => {
  it("reports every problem at once, template-level first and then step by step", () => {
    const problems = problemsOf(
      parseTemplate(`
name: order_fulfillment
namespace_name: ecommerce
version: 2
descripton: typo
steps:
  - name: validate_order
    handler:
      callable: OrderValidationHandler
    dependencies: [charge_payment]
  - name: reserve_inventory
    handler:
      callable: InventoryHandler
    dependencies: [validate_ordr]
    retry:
      max_attempts: three
  - name: charge_payment
    dependencies: [validate_order]
    timeout_seconds: 0
`),
    );
    expect(problems).toEqual([
      { path: "version", message: expect.stringContaining("quote it") },
      { path: "descripton", message: 'unknown key "descripton" (did you mean "description"?)' },
      { path: "steps[0].dependencies", message: "cycle: validate_order → charge_payment → validate_order" },
      { path: "steps[1].retry.max_attempts", message: 'must be a whole number, not the string "three"' },
      { path: "steps[1].dependencies[0]", message: 'depends on unknown step "validate_ordr"' },
      { path: "steps[2].handler", message: "is required: every step needs a handler with a callable" },
      { path: "steps[2].timeout_seconds", message: "must be at least 1" },
    ]);
  });

  it("runs the graph checks even when steps have type problems", () => {
    const problems = reject(
      template([
        { name: "a", handler: 7, dependencies: ["b", 3] },
        { name: "b", dependencies: ["a"] },
      ]),
    );
    expect(problems).toEqual([
      { path: "steps[0].handler", message: "must be a map of keys to values, not the number 7" },
      { path: "steps[0].dependencies[1]", message: "must be a string, not the number 3" },
      { path: "steps[0].dependencies", message: "cycle: a → b → a" },
      { path: "steps[1].handler", message: "is required: every step needs a handler with a callable" },
    ]);
  });
});
