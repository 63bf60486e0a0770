import { describe, expect, it } from "vitest";
import { configOf, createEnvBinder, type OrchestratorConfig } from "../../../src/orchestrator/config";

const config = { queues: { billing: "BILLING_STEPS" } } as unknown as OrchestratorConfig;

describe("createEnvBinder", () => {
  it("gives the engine the Worker's bindings, the configuration, and each option's variable only where the env leaves it unset", () => {
    const bind = createEnvBinder(config, { TASKER_MAX_TASK_STEPS: "50", TASKER_WRITES_PER_MINUTE: "off" });
    const workerEnv = { TASKS: { binding: true }, TASKER_MAX_TASK_STEPS: "7" };
    const engineEnv = bind(workerEnv) as Record<string, unknown>;
    expect(engineEnv.TASKS).toBe(workerEnv.TASKS);
    expect(engineEnv.TASKER_MAX_TASK_STEPS).toBe("7");
    expect(engineEnv.TASKER_WRITES_PER_MINUTE).toBe("off");
    expect(configOf(engineEnv)).toBe(config);
    expect(bind(workerEnv)).toBe(engineEnv);
  });

  it("survives a spread of the env, as code that adds a binding for a moment does", () => {
    const engineEnv = createEnvBinder(config, { TASKER_AUTH: "required" })({ TASKS: {} });
    const spread = { ...engineEnv, STEPS_EXTRA: {} };
    expect(configOf(spread)).toBe(config);
    expect(spread).toMatchObject({ TASKS: {}, TASKER_AUTH: "required" });
  });

  it("refuses an env no orchestrator bound, naming the factory", () => {
    expect(() => configOf({ TASKS: {} })).toThrow(/no orchestrator configuration: export the Worker .* createOrchestrator/);
  });
});
