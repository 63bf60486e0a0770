// TASKER_LOG_LEVEL: lines below the level are neither built nor written; an unknown value writes at info and says so once.
import { afterEach, describe, expect, it, vi } from "vitest";
import { log, useLogLevelOf } from "../../src/log";

function capture() {
  const lines: { stream: string; line: string }[] = [];
  for (const stream of ["log", "warn", "error"] as const) {
    vi.spyOn(console, stream).mockImplementation((line: string) => {
      lines.push({ stream, line });
    });
  }
  return lines;
}

afterEach(() => {
  useLogLevelOf({});
  vi.restoreAllMocks();
});

describe("log levels", () => {
  it("writes every level by default, each to its console stream", () => {
    const lines = capture();
    useLogLevelOf({});
    log("info", "a", {});
    log("warn", "b", {});
    log("error", "c", {});
    expect(lines.map((l) => [l.stream, JSON.parse(l.line).evt])).toEqual([
      ["log", "a"],
      ["warn", "b"],
      ["error", "c"],
    ]);
  });

  it("at warn, drops info lines without building them", () => {
    const lines = capture();
    useLogLevelOf({ TASKER_LOG_LEVEL: "warn" });
    const fields = {
      get built(): never {
        throw new Error("an info line's fields were read at warn");
      },
    };
    log("info", "dropped", fields);
    log("warn", "kept", { n: 1 });
    log("error", "kept_too", {});
    expect(lines.map((l) => JSON.parse(l.line).evt)).toEqual(["kept", "kept_too"]);
  });

  it("at error, writes errors only", () => {
    const lines = capture();
    useLogLevelOf({ TASKER_LOG_LEVEL: "error" });
    log("info", "a", {});
    log("warn", "b", {});
    log("error", "c", {});
    expect(lines.map((l) => JSON.parse(l.line).evt)).toEqual(["c"]);
  });

  it("an unknown value writes at info and warns once, naming the known levels", () => {
    const lines = capture();
    useLogLevelOf({ TASKER_LOG_LEVEL: "verbose" });
    useLogLevelOf({ TASKER_LOG_LEVEL: "verbose" });
    log("info", "still_written", {});
    const warnings = lines.filter((l) => l.stream === "warn").map((l) => JSON.parse(l.line));
    expect(warnings).toEqual([
      {
        evt: "config.log_level_unknown",
        variable: "TASKER_LOG_LEVEL",
        value: "verbose",
        using: "info",
        known: ["info", "warn", "error"],
      },
    ]);
    expect(lines.some((l) => JSON.parse(l.line).evt === "still_written")).toBe(true);
  });
});
