import { describe, expect, it } from "vitest";
import { templateContentHash } from "../../../src/catalog/templates";
import { validateTemplate } from "../../../src/templates/loader";
import { problemsOf, step, template, templateOf } from "./helpers";

const withSchedules = (schedules: unknown, fields: Record<string, unknown> = {}) =>
  validateTemplate(template([step("a")], { schedules, ...fields }));

describe("a template's schedules", () => {
  it("loads a cron schedule and an interval schedule with their defaults", () => {
    const loaded = templateOf(
      withSchedules([
        { name: "nightly", cron: "0 2 * * *", timezone: "Europe/Paris", context: { region: "eu" } },
        { name: "poll", interval: "15m", overlap: "buffer_one", catch_up: 0 },
      ]),
    );
    expect(loaded.schedules).toEqual([
      {
        name: "nightly",
        cron: "0 2 * * *",
        interval_seconds: null,
        timezone: "Europe/Paris",
        context: { region: "eu" },
        overlap: "skip",
        catch_up: 1,
      },
      { name: "poll", cron: null, interval_seconds: 900, timezone: "UTC", context: {}, overlap: "buffer_one", catch_up: 0 },
    ]);
  });

  it("leaves a template without schedules as it was: no key, the same content hash", async () => {
    const plain = templateOf(validateTemplate(template([step("a")])));
    const empty = templateOf(withSchedules([]));
    expect("schedules" in plain).toBe(false);
    expect(await templateContentHash(empty)).toBe(await templateContentHash(plain));
  });

  it("refuses a bad cron, an unknown time zone, a too short interval and a six-field cron", () => {
    const problems = problemsOf(
      withSchedules([
        { name: "a", cron: "61 * * * *" },
        { name: "b", cron: "0 2 * * *", timezone: "Mars/Olympus" },
        { name: "c", interval: "5s" },
        { name: "d", cron: "0 0 2 * * *" },
      ]),
    );
    expect(problems.map((p) => p.path)).toEqual([
      "schedules[0].cron",
      "schedules[1].timezone",
      "schedules[2].interval",
      "schedules[3].cron",
    ]);
  });

  it("needs exactly one of cron and interval, a time zone only with cron, and unique names", () => {
    const problems = problemsOf(
      withSchedules([
        { name: "both", cron: "0 2 * * *", interval: "1h" },
        { name: "neither" },
        { name: "tz", interval: "1h", timezone: "UTC" },
        { name: "both", cron: "@daily" },
      ]),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "schedules[0].cron" }),
        expect.objectContaining({ path: "schedules[1].cron" }),
        expect.objectContaining({ path: "schedules[2].timezone" }),
        expect.objectContaining({ path: "schedules[3].name" }),
      ]),
    );
  });

  it("checks each schedule's context against the input_schema, as a submission's", () => {
    const problems = problemsOf(
      withSchedules([{ name: "nightly", cron: "@daily", context: {} }], {
        input_schema: { type: "object", required: ["region"], properties: { region: { type: "string" } } },
      }),
    );
    expect(problems).toEqual([expect.objectContaining({ path: "schedules[0].context" })]);
  });

  it("suggests the known keys of a schedule entry for a misspelt one", () => {
    const problems = problemsOf(withSchedules([{ name: "nightly", cron: "@daily", timezon: "UTC" }]));
    expect(problems[0]?.path).toBe("schedules[0].timezon");
    expect(problems[0]?.message).toContain("timezone");
  });
});
