import { describe, expect, it } from "vitest";
import { errorFromResponse, retryAfterMs } from "../../../src/worker/http";

describe("retryAfterMs", () => {
  it("reads delta-seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-28T10:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Sat, 28 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Sat, 28 Nov 2026 09:00:00 GMT", now)).toBe(0);
  });

  it("ignores a missing or unreadable header", () => {
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
  });
});

describe("errorFromResponse", () => {
  it("makes 429 and 503 retryable, carrying the server's Retry-After", () => {
    const throttled = errorFromResponse(new Response(null, { status: 429, headers: { "retry-after": "7" } }), "charge");
    expect(throttled).toMatchObject({ name: "RetryableError", retryable: true, code: "http_429", retryAfterMs: 7_000 });
    expect(throttled.message).toBe("charge failed with HTTP 429");
    expect(errorFromResponse(new Response(null, { status: 503 }))).toMatchObject({ retryable: true, retryAfterMs: undefined });
  });

  it("makes client errors permanent", () => {
    for (const status of [400, 401, 403, 404, 422]) {
      expect(errorFromResponse(new Response(null, { status }))).toMatchObject({
        name: "PermanentError",
        retryable: false,
        code: `http_${status}`,
      });
    }
  });
});
