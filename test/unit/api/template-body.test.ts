import { describe, expect, it } from "vitest";
import { checkTemplate, templateFormatOf } from "../../../src/api/template-body";
import { MAX_TEMPLATE_JSON_BYTES } from "../../../src/shared/limits";

describe("templateFormatOf", () => {
  it("reads YAML media types, text/plain and a missing Content-Type as YAML", () => {
    for (const type of ["application/yaml", "text/yaml", "application/x-yaml", "text/plain;charset=UTF-8", undefined, ""]) {
      expect(templateFormatOf(type), String(type)).toBe("yaml");
    }
  });

  it("reads application/json (with parameters) and +json types as JSON", () => {
    expect(templateFormatOf("application/json; charset=utf-8")).toBe("json");
    expect(templateFormatOf("Application/JSON")).toBe("json");
    expect(templateFormatOf("application/vnd.tasker+json")).toBe("json");
  });

  it("knows no other media type", () => {
    expect(templateFormatOf("application/x-www-form-urlencoded")).toBeUndefined();
    expect(templateFormatOf("application/xml")).toBeUndefined();
  });
});

describe("checkTemplate", () => {
  it("refuses a template too large to register once its defaults are applied", () => {
    const steps = Array.from({ length: 1_000 }, (_, i) => ({
      name: `step_${i}`,
      description: "d".repeat(1_000),
      handler: { callable: "EchoHandler" },
    }));
    const result = checkTemplate(JSON.stringify({ name: "big", namespace_name: "x", version: "1", steps }), "json");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toContain(String(MAX_TEMPLATE_JSON_BYTES));
  });
});
