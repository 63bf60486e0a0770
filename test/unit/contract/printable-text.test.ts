import { describe, expect, it } from "vitest";
import { printableText } from "../../../src/contract/printable-text";
import { StepActionSchema, TaskRequestSchema } from "../../../src/contract/requests";

describe("printableText", () => {
  const field = printableText(100);

  it("accepts ordinary text in any script, with emoji", () => {
    for (const text of ["api:checkout", "Bestellung für Jürgen", "注文 #42", "ship it 🚀", "a\u00a0b"]) {
      expect(field.safeParse(text).success, text).toBe(true);
    }
  });

  it("refuses control characters, bidirectional controls, line separators and unpaired surrogates", () => {
    for (const text of [
      "ops\u0000",
      "line\nbreak",
      "tab\there",
      "esc\u001b[31m",
      "del\u007f",
      "c1\u0085",
      "admin\u202e",
      "isolate\u2066x\u2069",
      "mark\u200f",
      "arabic\u061c",
      "para\u2029graph",
      "half\ud800",
    ]) {
      const parsed = field.safeParse(text);
      expect(parsed.success, JSON.stringify(text)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain("control characters");
    }
  });

  it("guards every text field of a task request and an operator action", () => {
    const request = {
      name: "order_fulfillment",
      namespace: "ecommerce",
      version: "1.0.0",
      context: {},
      initiator: "api\u0007",
      source_system: "web\u202e",
      reason: "why\r\nnot",
      tags: ["ok", "bad\u0000"],
    };
    const parsed = TaskRequestSchema.safeParse(request);
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["initiator", "source_system", "reason", "tags.1"]);
    const action = StepActionSchema.safeParse({ action_type: "reset_for_retry", reason: "ok", reset_by: "ops\u202e" });
    expect(action.error?.issues.map((issue) => issue.path.join("."))).toEqual(["reset_by"]);
  });
});
