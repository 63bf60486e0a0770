import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

declare module "vitest" {
  export interface ProvidedContext {
    faultRuns: number;
    faultSeed: number;
  }
}

// FAULT_SEED replays one scenario of the fault lab; FAULT_RUNS sets how many run (npm test: a quick set).
const faultSeed = Number(process.env.FAULT_SEED ?? 1);
const faultRuns = process.env.FAULT_SEED ? 1 : Number(process.env.FAULT_RUNS ?? 12);

export default defineConfig({
  test: {
    // Logs are one JSON line per transition: show them for failing tests only.
    silent: "passed-only",
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" } },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // A queue nobody consumes (namespace `manual`), so tests decide which messages arrive and when.
              queueProducers: { STEPS_MANUAL: { queueName: "tasker-steps-manual" } },
            },
          }),
        ],
        test: { name: "workers", include: ["test/workers/**/*.test.ts"], provide: { faultRuns, faultSeed } },
      },
    ],
  },
});
