import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { billingBundleWorker } from "./examples/billing-handlers/auxiliary-worker.js";

declare module "vitest" {
  export interface ProvidedContext {
    faultRuns: number;
    faultSeed: number;
  }
}

// FAULT_SEED replays one scenario of the fault lab; FAULT_RUNS sets how many run (npm test: a quick set).
const faultSeed = Number(process.env.FAULT_SEED ?? 1);
const faultRuns = process.env.FAULT_SEED ? 1 : Number(process.env.FAULT_RUNS ?? 12);

// `npm run test:faults` shows only the fault lab's summary line; otherwise logs (one JSON line per
// transition) are shown for failing tests only.
const faultScript = process.env.FAULT_SCRIPT === "1";

export default defineConfig({
  test: {
    silent: faultScript ? false : "passed-only",
    onConsoleLog: faultScript ? (log) => log.includes('"evt":"fault_lab.summary"') : undefined,
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" } },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // A queue nobody consumes (namespace `manual`), so tests decide which messages arrive and when.
              queueProducers: { STEPS_MANUAL: { queueName: "tasker-steps-manual" } },
              // The billing handler bundle as a Worker of its own, consuming tasker-steps-billing (test/workers/multi-worker.test.ts).
              workers: [billingBundleWorker()],
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          provide: { faultRuns, faultSeed },
          globalSetup: ["./examples/billing-handlers/auxiliary-worker.ts"],
        },
      },
    ],
  },
});
