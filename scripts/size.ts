// Measures a minimal handler bundle (one handler and createStepConsumer from the built tasker-edge/worker), minified.
import { existsSync } from "node:fs";
import { build } from "esbuild";

/** The budget a handler bundle's SDK share must stay under. */
const BUDGET_BYTES = 60 * 1024;

const MINIMAL_HANDLER = `
import { createStepConsumer, HandlerRegistry, StepHandler, StepHandlerResult } from "tasker-edge/worker";

class GreetHandler extends StepHandler {
  async call(context) {
    return StepHandlerResult.success({ greeting: \`hello \${context.task.context.name}\` });
  }
}

export default { queue: createStepConsumer(new HandlerRegistry().register(GreetHandler)) };
`;

const root = new URL("..", import.meta.url).pathname;
const entry = `${root}dist/worker.js`;
if (!existsSync(entry)) throw new Error("dist/worker.js is missing: run `npm run build` first");

const result = await build({
  stdin: { contents: MINIMAL_HANDLER, resolveDir: root, sourcefile: "minimal-handler.js", loader: "js" },
  alias: { "tasker-edge/worker": entry },
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
const packages = Object.keys(result.metafile.inputs).filter((input) => input.includes("node_modules/"));
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`minimal handler bundle: ${kib(bytes)} minified (budget ${kib(BUDGET_BYTES)})`);
if (packages.length > 0) console.log(`packages on the path: ${packages.join(", ")}`);
const heavy = packages.filter((input) => /node_modules\/(zod|hono|js-yaml)\//.test(input));
if (heavy.length > 0) console.error(`the handler SDK must not carry zod, hono or js-yaml: ${heavy.join(", ")}`);
if (bytes > BUDGET_BYTES) console.error(`over budget by ${kib(bytes - BUDGET_BYTES)}`);
if (heavy.length > 0 || bytes > BUDGET_BYTES) process.exit(1);
