// Measures what the light entries cost a user's bundle, minified: a minimal handler bundle (one handler and
// createStepConsumer from the built tasker-edge/worker) against its budget, and the built client; neither may carry
// the orchestrator's dependencies (zod, hono, js-yaml).
import { existsSync } from "node:fs";
import { build } from "esbuild";

/** The budget of a minimal handler bundle. */
const BUDGET_BYTES = 60 * 1024;

const MINIMAL_HANDLER = `
import { createStepConsumer, HandlerRegistry, StepHandler, StepHandlerResult } from "tasker-edge/worker";

class GreetHandler extends StepHandler {
  async call(context) {
    return StepHandlerResult.success({ greeting: \`hello \${context.getInput("name")}\` });
  }
}

export default { queue: createStepConsumer(new HandlerRegistry().register(GreetHandler)) };
`;

const MINIMAL_CLIENT = `
import { createClient } from "tasker-edge/client";

export const health = () => createClient({ baseUrl: "https://tasker.example.com" }).health();
`;

const root = new URL("..", import.meta.url).pathname;
for (const file of ["worker", "client"]) {
  if (!existsSync(`${root}dist/${file}.js`)) throw new Error(`dist/${file}.js is missing: run \`npm run build\` first`);
}

/** Bundles `contents` as a user's bundler would; returns its minified size and the packages it pulled in. */
async function measure(name: string, contents: string): Promise<{ bytes: number; packages: string[] }> {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: `${name}.js`, loader: "js" },
    alias: { "tasker-edge/worker": `${root}dist/worker.js`, "tasker-edge/client": `${root}dist/client.js` },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "import"],
    write: false,
    metafile: true,
    logLevel: "warning",
  });
  const bytes = result.outputFiles[0]?.contents.byteLength ?? 0;
  return { bytes, packages: Object.keys(result.metafile.inputs).filter((input) => input.includes("node_modules/")) };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
let failed = false;
for (const [name, contents, budget] of [
  ["minimal handler bundle", MINIMAL_HANDLER, BUDGET_BYTES],
  ["client", MINIMAL_CLIENT, undefined],
] as const) {
  const { bytes, packages } = await measure(name, contents);
  console.log(`${name}: ${kib(bytes)} minified${budget === undefined ? "" : ` (budget ${kib(budget)})`}`);
  if (packages.length > 0) console.log(`  packages on its path: ${packages.join(", ")}`);
  const heavy = packages.filter((input) => /node_modules\/(zod|hono|js-yaml)\//.test(input));
  if (heavy.length > 0) console.error(`  must not carry zod, hono or js-yaml: ${heavy.join(", ")}`);
  if (budget !== undefined && bytes > budget) console.error(`  over budget by ${kib(bytes - budget)}`);
  failed ||= heavy.length > 0 || (budget !== undefined && bytes > budget);
}
if (failed) process.exit(1);
