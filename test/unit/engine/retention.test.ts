import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  DEFAULT_RETENTION_DAYS,
  parseRetention,
  purgeDueAt,
  readRetentionConfig,
  retentionOf,
} from "../../../src/engine/retention";

describe("retention settings", () => {
  it("reads whole days and forever, and nothing else", () => {
    expect(parseRetention("30")).toBe(30);
    expect(parseRetention(0)).toBe(0);
    expect(parseRetention(" Forever ")).toBe("forever");
    for (const bad of ["30d", "-1", "1.5", "", "36501", null, true]) expect(parseRetention(bad)).toBeUndefined();
  });

  it("takes the template's key, then the namespace's setting, then the default setting, then 30 days", () => {
    const config = readRetentionConfig({ TASKER_RETENTION_DAYS: "7", TASKER_RETENTION_NAMESPACES: '{"billing": "forever"}' });
    expect(config.problems).toEqual([]);
    expect(retentionOf(90, "billing", config)).toBe(90);
    expect(retentionOf(undefined, "billing", config)).toBe("forever");
    expect(retentionOf(undefined, "orders", config)).toBe(7);
    expect(retentionOf(undefined, "constructor", config)).toBe(7);
    expect(retentionOf(undefined, "orders", readRetentionConfig({}))).toBe(DEFAULT_RETENTION_DAYS);
  });

  it("keeps tasks forever when a setting is malformed, and says what is wrong", () => {
    const config = readRetentionConfig({ TASKER_RETENTION_DAYS: "a month", TASKER_RETENTION_NAMESPACES: '{"scratch": -1}' });
    expect(config.problems).toHaveLength(2);
    expect(retentionOf(undefined, "orders", config)).toBe("forever");
    expect(retentionOf(undefined, "scratch", config)).toBe("forever");
    expect(readRetentionConfig({ TASKER_RETENTION_NAMESPACES: "not json" }).fallback).toBe("forever");
  });

  it("purges at the end plus the retention, never when kept forever", () => {
    expect(purgeDueAt(1_000, 2)).toBe(1_000 + 2 * DAY_MS);
    expect(purgeDueAt(1_000, "forever")).toBeNull();
  });
});
