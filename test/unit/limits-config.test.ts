import { describe, expect, it } from "vitest";
import { DEFAULT_TASK_CREATES_PER_MINUTE, DEFAULT_WRITES_PER_MINUTE, maxTaskSteps, readLimits } from "../../src/limits-config";
import { DEFAULT_MAX_TASK_STEPS } from "../../src/shared/limits";

describe("readLimits", () => {
  it("uses the documented defaults when nothing is set", () => {
    expect(readLimits({})).toEqual({
      config: {
        maxTaskSteps: DEFAULT_MAX_TASK_STEPS,
        taskCreatesPerMinute: DEFAULT_TASK_CREATES_PER_MINUTE,
        writesPerMinute: DEFAULT_WRITES_PER_MINUTE,
      },
      problems: [],
    });
    expect(DEFAULT_WRITES_PER_MINUTE).toBeGreaterThanOrEqual(DEFAULT_TASK_CREATES_PER_MINUTE);
  });

  it("reads whole numbers from string or number vars, and off for the rate limits", () => {
    expect(
      readLimits({ TASKER_MAX_TASK_STEPS: "500", TASKER_TASK_CREATES_PER_MINUTE: 60, TASKER_WRITES_PER_MINUTE: " OFF " }),
    ).toEqual({ config: { maxTaskSteps: 500, taskCreatesPerMinute: 60, writesPerMinute: null }, problems: [] });
  });

  it("names every malformed variable, blank ones included, and keeps its default", () => {
    const { config, problems } = readLimits({
      TASKER_MAX_TASK_STEPS: "off",
      TASKER_TASK_CREATES_PER_MINUTE: "",
      TASKER_WRITES_PER_MINUTE: "1.5",
    });
    expect(problems.map((p) => p.split(" ")[0])).toEqual([
      "TASKER_MAX_TASK_STEPS",
      "TASKER_TASK_CREATES_PER_MINUTE",
      "TASKER_WRITES_PER_MINUTE",
    ]);
    expect(config.maxTaskSteps).toBe(DEFAULT_MAX_TASK_STEPS);
    for (const bad of ["0", "-1", "1e3", "0x10", "2000000", true]) {
      expect(readLimits({ TASKER_WRITES_PER_MINUTE: bad }).problems).toHaveLength(1);
    }
  });

  it("gives the task object the configured ceiling, or the default while it is malformed", () => {
    expect(maxTaskSteps({ TASKER_MAX_TASK_STEPS: "20" })).toBe(20);
    expect(maxTaskSteps({ TASKER_MAX_TASK_STEPS: "lots" })).toBe(DEFAULT_MAX_TASK_STEPS);
    expect(maxTaskSteps(undefined)).toBe(DEFAULT_MAX_TASK_STEPS);
  });
});
