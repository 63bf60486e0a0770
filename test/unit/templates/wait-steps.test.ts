import { describe, expect, it } from "vitest";
import { durationMs, instantMs } from "../../../src/shared/wait-config";
import { validateTemplate } from "../../../src/templates/loader";
import { problemsOf, step, template, templateOf } from "./helpers";

const sleep = (name: string, initialization: unknown, fields: Record<string, unknown> = {}) =>
  step(name, { handler: { callable: "tasker.sleep", initialization }, ...fields });
const waitFor = (name: string, initialization: unknown, fields: Record<string, unknown> = {}) =>
  step(name, { handler: { callable: "tasker.wait_for_event", initialization }, ...fields });
const reject = (steps: unknown[]) => problemsOf(validateTemplate(template(steps)));

describe("sleep steps in templates", () => {
  it("accepts a literal duration, a literal instant, and either read from the context or an ancestor's result", () => {
    const loaded = templateOf(
      validateTemplate(
        template([
          step("quote"),
          sleep("short", { duration: "90s" }),
          sleep("seconds", { duration: 30 }),
          sleep("fixed", { until: "2026-12-01T09:00:00Z" }),
          sleep("from_context", { until: "context.ship_date" }),
          sleep("from_parent", { duration: "steps.quote.cooling_off" }, { dependencies: ["quote"] }),
        ]),
      ),
    );
    expect(loaded.steps.map((s) => s.handler.callable)).toContain("tasker.sleep");
  });

  it("names the key of each problem", () => {
    expect(reject([sleep("both", { duration: "1h", until: "2026-12-01T00:00:00Z" })])).toContainEqual({
      path: "steps[0].handler.initialization.duration",
      message: "a sleep step takes exactly one of duration or until",
    });
    expect(reject([sleep("neither", {})])).toContainEqual(
      expect.objectContaining({ path: "steps[0].handler.initialization.duration" }),
    );
    expect(reject([sleep("bad", { duration: "soon" })])).toContainEqual(
      expect.objectContaining({ path: "steps[0].handler.initialization.duration" }),
    );
    expect(reject([sleep("too_long", { duration: "400d" })])).toContainEqual(
      expect.objectContaining({ path: "steps[0].handler.initialization.duration" }),
    );
    expect(reject([sleep("not_instant", { until: "tomorrow" })])).toContainEqual(
      expect.objectContaining({ path: "steps[0].handler.initialization.until" }),
    );
    expect(reject([sleep("typo", { duration: "1h", durration: "2h" })])).toContainEqual(
      expect.objectContaining({ path: "steps[0].handler.initialization.durration" }),
    );
    expect(reject([sleep("bad_ref", { until: "context." })])).toContainEqual(
      expect.objectContaining({ path: "steps[0].handler.initialization.until" }),
    );
  });

  it("refuses a sleep of another step type, and one reading a step that is not its ancestor", () => {
    expect(reject([sleep("decide", { duration: "1h" }, { type: "decision" })])).toContainEqual(
      expect.objectContaining({ path: "steps[0].type" }),
    );
    expect(reject([step("quote"), sleep("nap", { duration: "steps.quote.wait" })])).toContainEqual({
      path: "steps[1].handler.initialization",
      message:
        "reads steps.quote, which is not an ancestor of this step: only an ancestor's result is known when the wait starts",
    });
  });
});

describe("wait-for-event steps in templates", () => {
  it("accepts an event with match fields from the context, a timeout and what it does", () => {
    templateOf(
      validateTemplate(
        template([
          waitFor("decision", {
            event: "manager_decision",
            match: { expense_id: "context.expense_id", region: "eu" },
            timeout: "3d",
            on_timeout: "complete",
            timeout_result: { approved: false },
          }),
          waitFor("forever", { event: "payment.settled" }),
        ]),
      ),
    );
  });

  it("names the key of each problem", () => {
    const at = (key: string) => expect.objectContaining({ path: `steps[0].handler.initialization.${key}` });
    expect(reject([waitFor("w", {})])).toContainEqual(at("event"));
    expect(reject([waitFor("w", { event: "9lives" })])).toContainEqual(at("event"));
    expect(reject([waitFor("w", { event: "e", match: ["order_id"] })])).toContainEqual(at("match"));
    expect(reject([waitFor("w", { event: "e", match: { order_id: { nested: true } } })])).toContainEqual(at("match.order_id"));
    expect(reject([waitFor("w", { event: "e", match: { "order-id": "x" } })])).toContainEqual(at("match.order-id"));
    expect(reject([waitFor("w", { event: "e", timeout: "forever" })])).toContainEqual(at("timeout"));
    expect(reject([waitFor("w", { event: "e", timeout: "1h", on_timeout: "retry" })])).toContainEqual(at("on_timeout"));
    expect(reject([waitFor("w", { event: "e", on_timeout: "complete" })])).toContainEqual(at("on_timeout"));
    expect(reject([waitFor("w", { event: "e", timeout: "1h", timeout_result: {} })])).toContainEqual(at("timeout_result"));
  });
});

describe("durations and instants", () => {
  it("reads durations in ms, s, m, h, d, w, and plain seconds", () => {
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("90s")).toBe(90_000);
    expect(durationMs("15m")).toBe(900_000);
    expect(durationMs("2h")).toBe(7_200_000);
    expect(durationMs("1.5d")).toBe(129_600_000);
    expect(durationMs("1w")).toBe(604_800_000);
    expect(durationMs(30)).toBe(30_000);
    expect(durationMs("-1s")).toBeNull();
    expect(durationMs("1 fortnight")).toBeNull();
    expect(durationMs(Number.NaN)).toBeNull();
  });

  it("reads ISO 8601 instants and epoch ms, nothing else", () => {
    expect(instantMs("2026-12-01T09:00:00Z")).toBe(Date.UTC(2026, 11, 1, 9));
    expect(instantMs("2026-12-01")).toBe(Date.UTC(2026, 11, 1));
    expect(instantMs(1_800_000_000_000)).toBe(1_800_000_000_000);
    expect(instantMs("next tuesday")).toBeNull();
    expect(instantMs("2026-13-45T00:00:00Z")).toBeNull();
  });
});
