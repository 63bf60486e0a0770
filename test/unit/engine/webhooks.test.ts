// Webhooks' pure rules: the signature recipe, the retry schedule and its give-up, and which endpoints may be called.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  nextWebhookAttempt,
  retryAfterMs,
  signatureHeader,
  WEBHOOK_MAX_AGE_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_MAX_MS,
  webhookRetryDelay,
  webhookSignature,
} from "../../../src/engine/webhooks";
import { WEBHOOK_EVENTS, webhookEventFor, webhookUrlProblem } from "../../../src/shared/webhooks";
import { parseTemplate } from "../../../src/templates/loader";

describe("the webhook signature", () => {
  it("is the hex HMAC-SHA256 of `<timestamp>.<body>`, as any HMAC library computes it", async () => {
    const body = '{"id":"d1","type":"task.completed"}';
    const expected = createHmac("sha256", "whsec_1").update(`1700000000.${body}`).digest("hex");
    expect(await webhookSignature("whsec_1", 1_700_000_000, body)).toBe(expected);
    expect(await signatureHeader("whsec_1", 1_700_000_000_999, body)).toBe(`t=1700000000,v1=${expected}`);
  });
});

describe("the retry schedule", () => {
  it("waits 30 s after the first failure and doubles, capped at an hour", () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelay(n))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(webhookRetryDelay(20)).toBe(WEBHOOK_RETRY_MAX_MS);
  });

  it("waits longer when the endpoint's Retry-After asks, never shorter and never past the cap", () => {
    expect(webhookRetryDelay(1, 120_000)).toBe(120_000);
    expect(webhookRetryDelay(3, 1_000)).toBe(120_000);
    expect(webhookRetryDelay(1, 10 * WEBHOOK_RETRY_MAX_MS)).toBe(WEBHOOK_RETRY_MAX_MS);
    expect([retryAfterMs("120"), retryAfterMs(null), retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT")]).toEqual([
      120_000,
      null,
      null,
    ]);
  });

  it("gives up after the last attempt, or once the delivery is a day old", () => {
    expect(nextWebhookAttempt(1, 0, 1_000)).toBe(1_000 + 30_000);
    expect(nextWebhookAttempt(WEBHOOK_MAX_ATTEMPTS - 1, 0, 1_000)).not.toBeNull();
    expect(nextWebhookAttempt(WEBHOOK_MAX_ATTEMPTS, 0, 1_000)).toBeNull();
    expect(nextWebhookAttempt(2, 0, WEBHOOK_MAX_AGE_MS)).toBeNull();
  });
});

describe("the endpoint URL policy", () => {
  const off = { allowLoopback: false };
  const on = { allowLoopback: true };

  it.each(["https://hooks.example.com/tasker", "https://hooks.example.com:8443/a?b=c", "https://93.184.216.34/hook"])(
    "takes %s",
    (url) => expect(webhookUrlProblem(url, off)).toBeNull(),
  );

  it.each([
    ["http://hooks.example.com/x", "https"],
    ["ftp://hooks.example.com/x", "https"],
    ["https://localhost/x", "loopback"],
    ["https://localhost./x", "loopback"],
    ["https://2130706433/x", "loopback"],
    ["http://127.0.0.1:8788/x", "loopback"],
    ["https://[::1]/x", "loopback"],
    ["https://10.0.0.1/x", "private"],
    ["https://172.16.5.4/x", "private"],
    ["https://192.168.1.1/x", "private"],
    ["https://169.254.169.254/x", "private"],
    ["https://100.64.0.1/x", "private"],
    ["https://0.0.0.0/x", "private"],
    ["https://[fe80::1]/x", "private"],
    ["https://[::ffff:10.0.0.1]/x", "private"],
    ["https://a:b@hooks.example.com/x", "credentials"],
    ["https://hooks.example.com/x#frag", "fragment"],
    ["https://intranet/x", "public host"],
    ["/relative", "absolute"],
  ])("refuses %s (%s)", (url, reason) => expect(webhookUrlProblem(url, off)).toContain(reason));

  it("takes loopback hosts, over http too, only where the switch is on; private ranges stay refused", () => {
    expect(webhookUrlProblem("http://127.0.0.1:8788/x", on)).toBeNull();
    expect(webhookUrlProblem("http://localhost:8788/x", on)).toBeNull();
    expect(webhookUrlProblem("https://[::1]/x", on)).toBeNull();
    expect(webhookUrlProblem("http://10.0.0.1/x", on)).toContain("https");
    expect(webhookUrlProblem("https://10.0.0.1/x", on)).toContain("private");
  });
});

describe("webhook events", () => {
  it("raise one event per end state and for a block, none for a running task", () => {
    expect(["complete", "blocked_by_failures", "error", "cancelled", "resolved_manually"].map(webhookEventFor)).toEqual(
      WEBHOOK_EVENTS,
    );
    expect(webhookEventFor("steps_in_process")).toBeNull();
  });
});

describe("the template key `webhooks`", () => {
  const template = (webhooks: string) => `
name: hooked
namespace_name: shop
version: 1.0.0
webhooks:
${webhooks}
steps:
  - name: only
    handler: { callable: H }
`;

  it("names endpoints with a secret's name, every event when none is chosen", () => {
    const parsed = parseTemplate(
      template(`  - url: https://hooks.example.com/a
    secret: WEBHOOK_SECRET_SHOP
  - { url: "https://hooks.example.com/b", secret: S2, events: [task.errored, task.errored] }`),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.template.webhooks).toEqual([
      { url: "https://hooks.example.com/a", secret: "WEBHOOK_SECRET_SHOP", events: WEBHOOK_EVENTS },
      { url: "https://hooks.example.com/b", secret: "S2", events: ["task.errored"] },
    ]);
  });

  it("leaves a template without webhooks exactly as before", () => {
    const parsed = parseTemplate(template("  []"));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect("webhooks" in parsed.template).toBe(false);
  });

  it("refuses a secret given as a value, an unknown event and an unknown key, each at its path", () => {
    const parsed = parseTemplate(
      template(`  - { url: "https://hooks.example.com/a", secret: "whsec_abc123", events: [task.started], retries: 3 }`),
    );
    expect(parsed.ok).toBe(false);
    const paths = parsed.ok ? [] : parsed.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["webhooks[0].secret", "webhooks[0].events[0]", "webhooks[0].retries"]));
  });
});
