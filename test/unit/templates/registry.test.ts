import { describe, expect, it } from "vitest";
import { compareVersions, TemplateRegistry } from "../../../src/templates/registry";
import { loadTemplateSources } from "../../../src/templates/sources";
import type { TaskTemplate } from "../../../src/templates/types";
import { readProjectFile, templateFiles } from "./helpers";

function fake(namespace_name: string, name: string, version: string): TaskTemplate {
  return {
    namespace_name,
    name,
    version,
    description: null,
    metadata: null,
    input_schema: null,
    identity_strategy: "strict",
    steps: [],
  };
}

const ids = (templates: TaskTemplate[]) => templates.map((t) => `${t.namespace_name}/${t.name}@${t.version}`);

describe("TemplateRegistry", () => {
  const registry = new TemplateRegistry([
    fake("ecommerce", "refund", "1.0.0"),
    fake("analytics", "sales_report", "1.10.0"),
    fake("ecommerce", "order_fulfillment", "2.0.0"),
    fake("analytics", "sales_report", "1.9.0"),
    fake("ecommerce", "order_fulfillment", "1.0.0"),
  ]);

  it("finds a template by exact namespace, name and version", () => {
    expect(registry.get("ecommerce", "order_fulfillment", "2.0.0")?.version).toBe("2.0.0");
    expect(registry.get("ecommerce", "order_fulfillment", "2.0")).toBeUndefined();
    expect(registry.get("analytics", "order_fulfillment", "1.0.0")).toBeUndefined();
    expect(registry.size).toBe(5);
  });

  it("lists templates by namespace, name and version, comparing version numbers numerically", () => {
    expect(ids(registry.list())).toEqual([
      "analytics/sales_report@1.9.0",
      "analytics/sales_report@1.10.0",
      "ecommerce/order_fulfillment@1.0.0",
      "ecommerce/order_fulfillment@2.0.0",
      "ecommerce/refund@1.0.0",
    ]);
  });

  it("lists one namespace's templates", () => {
    expect(ids(registry.list({ namespace: "analytics" }))).toEqual([
      "analytics/sales_report@1.9.0",
      "analytics/sales_report@1.10.0",
    ]);
    expect(registry.list({ namespace: "nothing" })).toEqual([]);
  });

  it("returns a fresh list each time", () => {
    registry.list().pop();
    expect(registry.list()).toHaveLength(5);
  });

  it("counts templates per namespace", () => {
    expect(registry.namespaces()).toEqual([
      { name: "analytics", template_count: 2 },
      { name: "ecommerce", template_count: 3 },
    ]);
  });

  it("refuses two templates with the same namespace, name and version", () => {
    expect(() => new TemplateRegistry([fake("a", "b", "1"), fake("a", "b", "2"), fake("a", "b", "1")])).toThrow(
      "duplicate templates: a/b@1",
    );
  });
});

describe("compareVersions", () => {
  it("orders numeric parts as numbers, and a pre-release before its release", () => {
    const versions = ["1.10.0", "1.2.0", "1.9.1", "10.0.0", "1.9.0", "2.0.0", "2.0.0-beta"];
    expect(versions.sort(compareVersions)).toEqual(["1.2.0", "1.9.0", "1.9.1", "1.10.0", "2.0.0-beta", "2.0.0", "10.0.0"]);
    expect(compareVersions("1.0", "1.0")).toBe(0);
  });

  it("follows semver's pre-release precedence", () => {
    // The example of semver 2.0.0, §11, shuffled.
    const ordered = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ];
    expect([...ordered].reverse().sort(compareVersions)).toEqual(ordered);
  });

  it("never calls two different versions equal, build metadata included", () => {
    expect(Math.sign(compareVersions("1.0.0+build.2", "1.0.0+build.10"))).toBe(-1);
    expect(Math.sign(compareVersions("1.0.0", "1.0.0+build.1"))).toBe(-1);
    expect(compareVersions("1.0.0-01", "1.0.0-1")).not.toBe(0);
  });
});

describe("loadTemplateSources", () => {
  it("loads every bundled template file into one registry", () => {
    const files = templateFiles();
    const registry = loadTemplateSources(files.map((path) => ({ path, source: readProjectFile(path) })));
    expect(registry.size).toBe(files.length);
    expect(registry.namespaces().map((n) => n.name)).toEqual([
      "analytics",
      "approvals",
      "batches",
      "bench",
      "billing",
      "content",
      "demo",
      "ecommerce",
      "fulfillment",
    ]);
    expect(registry.get("ecommerce", "order_fulfillment", "1.0.0")?.steps).toHaveLength(3);
  });

  it("throws one error listing every problem of every file", () => {
    const good = "examples/orchestrator/templates/demo/slow_step.yaml";
    const sources = [
      { path: good, source: readProjectFile(good) },
      {
        path: "broken/a.yaml",
        source:
          "name: a\nnamespace_name: t\nversion: '1'\nsteps:\n  - { name: x, handler: { callable: X }, dependencies: [y] }\n",
      },
      { path: "broken/b.yaml", source: "name: [" },
    ];
    expect(() => loadTemplateSources(sources)).toThrow(
      /^invalid templates:\nbroken\/a\.yaml: steps\[0\]\.dependencies\[0\]: depends on unknown step "y"\nbroken\/b\.yaml: \(template\): YAML syntax error at line \d+/,
    );
  });

  it("reports the same template shipped twice", () => {
    const path = "examples/orchestrator/templates/demo/slow_step.yaml";
    const source = readProjectFile(path);
    expect(() =>
      loadTemplateSources([
        { path, source },
        { path: "copy.yaml", source },
      ]),
    ).toThrow("duplicate templates: demo/slow_step@1.0.0");
  });
});
