// Runs this bundle as an auxiliary Worker of the vitest suite: built by wrangler in globalSetup, declared to Miniflare.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIG = join(HERE, "wrangler.toml");
// Absolute: with a relative --outdir and a -c in another directory, wrangler writes the script under the config's directory.
const OUTDIR = join(HERE, "dist");

/** The orchestrator's name in production, and what the vitest plugin renames the Worker under test to (project "workers"). */
const ORCHESTRATOR = "tasker-edge";
const TEST_RUNNER = "vitest-plugin-runner-workers";

/** The Miniflare options this file passes on; wrangler's own types leave them `unknown`. */
interface BundleOptions {
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  durableObjects?: Record<string, { className: string; scriptName?: string }>;
  queueConsumers?: Record<
    string,
    { maxBatchSize?: number; maxBatchTimeout?: number; maxRetries?: number; deadLetterQueue?: string }
  >;
}

/**
 * Miniflare options of the bundle, read from its own wrangler.toml so the test runs what would be
 * deployed; only the script (auxiliary Workers must be pre-built JS) and the orchestrator's name differ.
 */
export function billingBundleWorker() {
  const options = unstable_getMiniflareWorkerOptions(CONFIG).workerOptions as BundleOptions;
  const durableObjects = Object.fromEntries(
    Object.entries(options.durableObjects ?? {}).map(([binding, target]) => [
      binding,
      target.scriptName === ORCHESTRATOR ? { ...target, scriptName: TEST_RUNNER } : target,
    ]),
  );
  return {
    name: "tasker-billing-handlers",
    modules: true,
    scriptPath: join(OUTDIR, "index.js"),
    compatibilityDate: options.compatibilityDate,
    compatibilityFlags: options.compatibilityFlags ?? [],
    durableObjects,
    queueConsumers: options.queueConsumers ?? {},
  };
}

/** Vitest globalSetup: bundles the Worker exactly as `wrangler deploy` would, without deploying it. */
export default function setup(): void {
  const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
  execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "-c", CONFIG, "--outdir", OUTDIR], {
    stdio: "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
}
