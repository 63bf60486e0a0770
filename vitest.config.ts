import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { billingBundleWorker } from "./examples/billing-handlers/auxiliary-worker.js";

declare module "vitest" {
  export interface ProvidedContext {
    faultRuns: number;
    faultSeed: number;
    batchWorkers: number;
  }
}

// The fault lab runs FAULT_RUNS scenarios from seed FAULT_SEED (npm test: a quick set from seed 1);
// FAULT_SEED alone replays that one scenario.
const faultSeed = Number(process.env.FAULT_SEED ?? 1);
const faultRuns = Number(process.env.FAULT_RUNS || (process.env.FAULT_SEED ? 1 : 12));

// The package's own names resolve to its sources, as tsconfig.json's `paths` make them for tsc and wrangler.
const packageSources = (entry: string) => fileURLToPath(new URL(entry, import.meta.url));
const resolve = {
  alias: {
    "tasker-edge/worker": packageSources("./src/worker/index.ts"),
    "tasker-edge/client": packageSources("./src/client/index.ts"),
    "tasker-edge": packageSources("./src/index.ts"),
  },
};

// BATCH_WORKERS sizes the big batch test (npm test: 2,000; `npm run test:scale`: 10,000).
const batchWorkers = Number(process.env.BATCH_WORKERS ?? 2_000);

// The scripts (`npm run test:faults`, `npm run test:scale`) show only the tests' summary lines;
// otherwise logs (one JSON line per transition) are shown for failing tests only.
const summaryOnly = process.env.SUMMARY_ONLY === "1";

/**
 * Vitest's own teardown race (vitest-dev/vitest#11153): a log line written by a task object's
 * after-commit work or a `waitUntil` while a file's worker closes has its relay RPC rejected, and the
 * run fails with every test green. That one error says nothing of the code under test, so it alone is
 * dropped; every other unhandled error still fails the run.
 */
function isLateLogRelay(error: { message?: string }): boolean {
  return (error.message ?? "").includes('Closing rpc while "onUserConsoleLog" was pending');
}

export default defineConfig({
  test: {
    onUnhandledError: (error) => !isLateLogRelay(error),
    silent: summaryOnly ? false : "passed-only",
    onConsoleLog: summaryOnly ? (log) => log.includes('.summary"') : undefined,
    projects: [
      // Property-based tests are CPU-bound: on a loaded 2-core machine they outgrow vitest's 5 s default.
      {
        resolve,
        // The crash test's own judgments (verdicts, checks, the settle bound) are pure: they run here too,
        // and so do the docs check's (scripts/check-docs).
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/crash/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        resolve,
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // A queue nobody consumes (namespace `manual`), so tests decide which messages arrive and when.
              queueProducers: { STEPS_MANUAL: { queueName: "tasker-steps-manual" } },
              // Every answer of the API is checked against its response schema in the contract (src/api/routes.ts).
              bindings: {
                TASKER_CHECK_RESPONSES: "on",
                // Bulk jobs go a page at a time only when a test runs the job's alarm (test/workers/bulk-jobs.test.ts).
                TASKER_BULK_PAGE_SIZE: "50",
                TASKER_BULK_PAGE_INTERVAL_MS: "3600000",
                // Webhook tests: endpoints on loopback hosts may be called, and deliveries are signed with this secret.
                TASKER_WEBHOOKS_ALLOW_LOOPBACK: "on",
                WEBHOOK_SECRET_TEST: "whsec_test_only_secret",
              },
              // The billing handler bundle as a Worker of its own, consuming tasker-steps-billing (test/workers/multi-worker.test.ts).
              workers: [billingBundleWorker()],
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          provide: { faultRuns, faultSeed, batchWorkers },
          globalSetup: ["./examples/billing-handlers/auxiliary-worker.ts"],
        },
      },
    ],
  },
});
