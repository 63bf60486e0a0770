import { describe, expect, it } from "vitest";
import { decodeUtf8, isJsonMediaType, mediaTypeOf, requireJsonMediaType } from "../../../src/api/body";
import { zodProblems } from "../../../src/api/errors";
import { StepActionSchema, TaskRequestSchema } from "../../../src/contract/requests";

describe("the media type of a JSON body", () => {
  it("reads the type without parameters, and the charset, case-insensitively", () => {
    expect(mediaTypeOf('Application/JSON; Charset="UTF-8"')).toEqual({ type: "application/json", charset: "utf-8" });
    expect(mediaTypeOf(undefined)).toEqual({ type: "", charset: undefined });
  });

  it("is application/json or an application/*+json type", () => {
    expect(isJsonMediaType("application/json")).toBe(true);
    expect(isJsonMediaType("application/merge-patch+json")).toBe(true);
    for (const type of ["text/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "", "+json"]) {
      expect(isJsonMediaType(type), type).toBe(false);
    }
  });

  it("refuses what a cross-site form can send, and a charset other than UTF-8, with 415", () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", undefined]) {
      expect(() => requireJsonMediaType(type), String(type)).toThrow(expect.objectContaining({ status: 415 }));
    }
    expect(() => requireJsonMediaType("application/json; charset=utf-16")).toThrow(
      expect.objectContaining({ code: "unsupported_media_type" }),
    );
    expect(() => requireJsonMediaType("application/json;charset=UTF-8")).not.toThrow();
  });
});

describe("decodeUtf8", () => {
  it("refuses bytes that are not UTF-8 instead of replacing them", () => {
    expect(() => decodeUtf8(new Uint8Array([0x7b, 0xff, 0x7d]).buffer, "the request body")).toThrow(
      expect.objectContaining({ status: 400, code: "invalid_encoding" }),
    );
    expect(decodeUtf8(new TextEncoder().encode("\uFEFF{}").buffer as ArrayBuffer, "x")).toBe("{}");
  });
});

describe("request schemas", () => {
  const problems = (result: { success: boolean; error?: unknown }) =>
    result.success ? [] : zodProblems(result.error as Parameters<typeof zodProblems>[0]);

  it("name each unknown field at its own path", () => {
    const request = { name: "n", initiator: "i", context: {}, idempotencykey: "k" };
    expect(problems(TaskRequestSchema.safeParse(request))).toEqual([{ path: "idempotencykey", message: "is not a known field" }]);
    const action = { action_type: "complete_manually", reason: "r", completed_by: "c", completion_data: { result: 1, extra: 2 } };
    expect(problems(StepActionSchema.safeParse(action)).map((p) => p.path)).toEqual(["completion_data.extra"]);
  });

  it("need only name, initiator and context for a task, filling in source_system and reason", () => {
    const parsed = TaskRequestSchema.parse({ name: "order_fulfillment", initiator: "api:checkout", context: {} });
    expect(parsed).toMatchObject({ source_system: "api", reason: "task requested", priority: 0, tags: [] });
    expect(parsed.namespace).toBeUndefined();
    expect(parsed.version).toBeUndefined();
  });
});
