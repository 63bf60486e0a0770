// Builds the published package into dist/: one ESM bundle and one bundled .d.ts per entry, dependencies external.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

/** The package's entries: `exports` subpath → source file → dist file name. */
export const ENTRIES = [
  { subpath: ".", source: "src/index.ts", out: "index" },
  { subpath: "./worker", source: "src/worker/index.ts", out: "worker" },
  { subpath: "./client", source: "src/client/index.ts", out: "client" },
] as const;

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
rmSync("dist", { recursive: true, force: true });
mkdirSync("dist/.build", { recursive: true });

// The Workers runtime's types, without this repository's own bindings (scripts/build-env.d.ts names the engine's).
execFileSync("npm", ["exec", "--", "wrangler", "types", "--include-env=false", "dist/.build/runtime.d.ts"], { stdio: "ignore" });

await build({
  entryPoints: Object.fromEntries(ENTRIES.map((entry) => [entry.out, entry.source])),
  outdir: "dist",
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "neutral",
  target: "es2022",
  packages: "external",
  external: ["cloudflare:*"],
  loader: { ".yaml": "text" },
  logLevel: "warning",
});

// The `tasker` command (bin/tasker.js): a Node program on the package's own published client, which stays external.
await build({
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  packages: "external",
  logLevel: "warning",
});

// Declarations: tsc emits one .d.ts per module, rollup bundles them per entry (shared types in chunks).
const declarationDir = "dist/.build/declarations";
execFileSync("npm", ["exec", "--", "tsc", "-p", "tsconfig.build.json", "--outDir", declarationDir], { stdio: "inherit" });
const declarations = await rollup({
  input: Object.fromEntries(
    ENTRIES.map((entry) => [entry.out, entry.source.replace(/^src\//, `${declarationDir}/`).replace(/\.ts$/, ".d.ts")]),
  ),
  plugins: [dts()],
  external: (id) => !id.startsWith(".") && !id.startsWith("/"),
});
await declarations.write({
  dir: "dist",
  format: "es",
  entryFileNames: "[name].d.ts",
  chunkFileNames: "chunks/types-[hash].d.ts",
});
rmSync("dist/.build", { recursive: true, force: true });
console.log(`built ${ENTRIES.map((entry) => `dist/${entry.out}.js`).join(", ")} with declarations, and dist/cli.js`);
