import { describe, expect, it } from "vitest";
import { CONSOLE_CSP } from "../../src/console/serve";
import { api, errorOf } from "./helpers";

describe("the operator console", () => {
  it("is served by the orchestrator Worker under /console with a strict Content-Security-Policy", async () => {
    const page = await api("/console/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain("unsafe-inline");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).toContain('<script defer src="console.js"></script>');
    // No inline script: every <script> has a src.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();

    const script = await api("/console/console.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await script.text()).length).toBeGreaterThan(10_000);
    const style = await api("/console/console.css");
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("sends /console to /console/ so the page's relative links resolve", async () => {
    const answer = await api("/console?x=1", { redirect: "manual" });
    expect(answer.status).toBe(308);
    expect(answer.headers.get("location")).toBe("/console/?x=1");
  });

  it("answers an unchanged file with 304 and an unknown one with the error envelope", async () => {
    const first = await api("/console/console.js");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{20}"$/);
    await first.arrayBuffer();
    const again = await api("/console/console.js", { headers: { "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
    await errorOf(await api("/console/secrets.txt"), 404, "not_found");
    await errorOf(await api("/console/", { method: "POST" }), 405, "method_not_allowed");
  });

  it("leaves the API where it was", async () => {
    expect((await api("/consoles")).status).toBe(404);
    expect((await api("/health")).status).toBe(200);
  });
});
