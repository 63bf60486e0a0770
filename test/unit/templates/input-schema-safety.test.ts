// An input_schema is refused at load when enforcing it could cost more than linear time, or never end.
import { describe, expect, it } from "vitest";
import { MAX_UNIQUE_ITEMS, validateContext } from "../../../src/templates/input-schema";
import { validateTemplate } from "../../../src/templates/loader";
import { MAX_SCHEMA_APPLICATIONS_PER_VALUE, MAX_VALIDATION_RECURSION } from "../../../src/templates/schema-applications";
import type { TemplateProblem } from "../../../src/templates/types";
import { step, template, templateOf } from "./helpers";

function problemsOf(inputSchema: Record<string, unknown>): TemplateProblem[] {
  const result = validateTemplate(template([step("a")], { input_schema: inputSchema }));
  return result.ok ? [] : result.problems;
}

const loaded = (inputSchema: Record<string, unknown>) =>
  templateOf(validateTemplate(template([step("a")], { input_schema: inputSchema })));

describe("input_schema regular expressions", () => {
  it("refuses a backtracking pattern wherever it is, naming the key", () => {
    const evil = "^(a+)+$";
    expect(problemsOf({ properties: { name: { type: "string", pattern: evil } } })).toEqual([
      { path: "input_schema.properties.name.pattern", message: expect.stringMatching(/^is refused: it can backtrack/) },
    ]);
    expect(problemsOf({ patternProperties: { [evil]: { type: "string" } } }).map((p) => p.path)).toEqual([
      'input_schema.patternProperties["^(a+)+$"]',
    ]);
    expect(problemsOf({ propertyNames: { pattern: evil } }).map((p) => p.path)).toEqual(["input_schema.propertyNames.pattern"]);
    expect(problemsOf({ $defs: { deep: { items: { anyOf: [{ pattern: evil }] } } } }).map((p) => p.path)).toEqual([
      "input_schema.$defs.deep.items.anyOf[0].pattern",
    ]);
    // A subschema under an unknown keyword is reachable by $ref, so it is checked too.
    expect(problemsOf({ "x-shared": { pattern: evil }, properties: { a: { $ref: "#/x-shared" } } }).map((p) => p.path)).toEqual([
      'input_schema["x-shared"].pattern',
    ]);
  });

  it("refuses an unanchored pattern that repeats, and says to anchor it", () => {
    expect(problemsOf({ properties: { a: { pattern: "[a-z]+@" } } })).toEqual([
      { path: "input_schema.properties.a.pattern", message: expect.stringContaining("anchor it with ^") },
    ]);
  });

  it("accepts the patterns of the bundled templates and enforces them", () => {
    const schema = loaded({ properties: { month: { type: "string", pattern: "^[0-9]{4}-(0[1-9]|1[0-2])$" } } });
    expect(validateContext(schema, { month: "2024-02" })).toEqual([]);
    expect(validateContext(schema, { month: "2024-13" })).toEqual([
      { path: "context.month", message: expect.stringContaining("pattern") },
    ]);
  });
});

describe("input_schema stored before these checks", () => {
  it("is checked once before its first use, and a refused one is never run", () => {
    const stored = { ...loaded({ type: "object" }), input_schema: { properties: { name: { pattern: "^(a+)+$" } } } };
    expect(validateContext(stored, { name: `${"a".repeat(40)}!` })).toEqual([
      { path: "context", message: expect.stringContaining("input_schema.properties.name.pattern is refused") },
    ]);
  });
});

describe("input_schema formats", () => {
  it("refuses a format it does not check, instead of ignoring it", () => {
    expect(problemsOf({ properties: { phone: { type: "string", format: "phone" } } })).toEqual([
      {
        path: "input_schema.properties.phone.format",
        message: expect.stringContaining('"phone" is not a format tasker-edge checks'),
      },
    ]);
  });

  it("rejects the url that took the old check seconds, and long ones, by a linear scan", () => {
    const schema = loaded({ properties: { site: { type: "string", format: "url" } } });
    for (const site of [`http://${"a".repeat(36)}\u0000`, `http://${"a-".repeat(50_000)} `]) {
      expect(validateContext(schema, { site })).toEqual([
        { path: "context.site", message: 'String does not match format "url".' },
      ]);
    }
    expect(validateContext(schema, { site: "https://example.com/orders/1" })).toEqual([]);
  });
});

describe("input_schema recursion", () => {
  it("refuses a $ref that loops without descending into the value", () => {
    expect(problemsOf({ $ref: "#" })).toEqual([
      { path: "input_schema.$ref", message: expect.stringContaining("loops back to input_schema without descending") },
    ]);
    expect(problemsOf({ $defs: { a: { $ref: "#/$defs/b" }, b: { allOf: [{ $ref: "#/$defs/a" }] } }, $ref: "#/$defs/a" })).toEqual(
      [{ path: expect.stringMatching(/^input_schema\.\$defs\.[ab]\./), message: expect.stringContaining("loops back") }],
    );
  });

  it("accepts recursion that descends, and validates with it", () => {
    const tree = loaded({
      type: "object",
      properties: { name: { type: "string" }, left: { $ref: "#" }, right: { $ref: "#" } },
      additionalProperties: false,
    });
    expect(validateContext(tree, { name: "a", left: { name: "b", right: { name: "c" } } })).toEqual([]);
    expect(validateContext(tree, { left: { right: { name: 3 } } })).toEqual([
      { path: "context.left.right.name", message: "must be string, not number" },
    ]);
    for (const schema of [
      { properties: { meta: { $ref: "#" } }, additionalProperties: { $ref: "#" } },
      { prefixItems: [{ $ref: "#" }], items: { $ref: "#" } },
      { properties: { children: { type: "array", items: { $ref: "#" } } } },
    ]) {
      expect(problemsOf(schema), JSON.stringify(schema)).toEqual([]);
    }
  });

  it("refuses a schema that reaches the same child by two paths at every level (exponential in the context's depth)", () => {
    const twice = { allOf: [{ properties: { x: { $ref: "#" } } }, { properties: { x: { $ref: "#" } } }] };
    expect(problemsOf(twice)).toEqual([
      {
        path: "input_schema",
        message: expect.stringContaining(
          `more than ${MAX_SCHEMA_APPLICATIONS_PER_VALUE} subschemas to one value (at context.x.x.x`,
        ),
      },
    ]);
    const viaAdditional = { properties: { x: { $ref: "#" } }, anyOf: [{ additionalProperties: { $ref: "#" } }] };
    expect(problemsOf(viaAdditional)).toEqual([{ path: "input_schema", message: expect.stringContaining("(at context.x.x") }]);
  });

  it("refuses $defs that fan out into a billion applications without any recursion", () => {
    const $defs: Record<string, unknown> = { d0: { type: "string" } };
    for (let i = 1; i <= 30; i++) $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
    expect(problemsOf({ $defs, $ref: "#/$defs/d30" })).toEqual([
      { path: "input_schema", message: expect.stringContaining("(at context)") },
    ]);
  });
});

/** A recursive schema whose every value goes through `links` $refs before it reaches its checks. */
function chainedSchema(links: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = { c0: { type: "object", properties: { x: { $ref: "#" } } } };
  for (let i = 1; i <= links; i++) $defs[`c${i}`] = { $ref: `#/$defs/c${i - 1}` };
  return { $defs, $ref: `#/$defs/c${links}` };
}

describe("input_schema recursion depth", () => {
  it("refuses in-place chains so long that a context nested to the limit would overflow the validator's stack", () => {
    // Each nested value goes through x's $ref, the root and the chain: (links + 3) calls, 64 times over.
    expect(problemsOf(chainedSchema(3))).toEqual([]);
    expect(problemsOf(chainedSchema(4))).toEqual([
      { path: "input_schema", message: expect.stringContaining(`at most ${MAX_VALIDATION_RECURSION}`) },
    ]);
    // Without recursion, the schema's own depth bounds the calls, however deep the context.
    let flat: Record<string, unknown> = { type: "string" };
    for (let level = 0; level < 30; level++) flat = { allOf: [{ $ref: "#/$defs/leaf" }], properties: { x: flat } };
    expect(problemsOf({ ...flat, $defs: { leaf: { minProperties: 0 } } })).toEqual([]);
  });
});

describe("input_schema analysis cost", () => {
  it("calls a schema too complex when checking it would take long, rather than taking long", () => {
    const branches = Array.from({ length: 300 }, (_, i) => ({
      properties: { [`k${i}`]: { $ref: "#" } },
      additionalProperties: { type: "string" },
    }));
    expect(problemsOf({ allOf: branches })).toEqual([{ path: "input_schema", message: expect.stringContaining("too complex") }]);
  });

  it("checks a wide but plain schema: thousands of properties sharing one pattern", () => {
    const properties = Object.fromEntries(
      Array.from({ length: 5_000 }, (_, i) => [
        `p${i}`,
        { type: "string", pattern: "^[a-z]+(\\.[a-z]+)*$", $ref: "#/$defs/text" },
      ]),
    );
    expect(problemsOf({ properties, $defs: { text: { maxLength: 100 } }, additionalProperties: { $ref: "#" } })).toEqual([]);
  });
});

describe("input_schema uniqueItems", () => {
  it("needs maxItems of at most MAX_UNIQUE_ITEMS beside it", () => {
    expect(problemsOf({ properties: { tags: { type: "array", uniqueItems: true } } })).toEqual([
      {
        path: "input_schema.properties.tags.uniqueItems",
        message: expect.stringContaining(`maxItems of at most ${MAX_UNIQUE_ITEMS}`),
      },
    ]);
    expect(problemsOf({ properties: { tags: { uniqueItems: true, maxItems: MAX_UNIQUE_ITEMS + 1 } } })).toHaveLength(1);
    expect(problemsOf({ properties: { tags: { uniqueItems: true, maxItems: MAX_UNIQUE_ITEMS } } })).toEqual([]);
  });

  it("compares no pairs of an array already longer than maxItems", () => {
    const schema = loaded({ properties: { tags: { type: "array", maxItems: 10, uniqueItems: true } } });
    let comparisons = 0;
    // Object items are compared key by key, so a proxy counts every pair the validator compares.
    const item = () =>
      new Proxy(
        {},
        {
          ownKeys: () => {
            comparisons += 1;
            return [];
          },
        },
      );
    const tags = Array.from({ length: 2_000 }, item);
    expect(validateContext(schema, { tags })).toEqual([
      { path: "context.tags", message: "Array has too many items (2000 > 10)." },
    ]);
    expect(comparisons).toBe(0);
    expect(validateContext(schema, { tags: ["a", "b", "a"] })).toEqual([
      { path: "context.tags", message: "Duplicate items at indexes 0 and 2." },
    ]);
    expect(validateContext(schema, { tags: ["a", "b"] })).toEqual([]);
  });
});
