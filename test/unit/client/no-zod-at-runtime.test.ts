import { build } from "esbuild";
import { expect, it } from "vitest";

it("bundles tasker-edge/client without zod or the contract's schemas: its types come from them, its code does not", async () => {
  const result = await build({
    entryPoints: ["src/client/index.ts"],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs).toContain("src/client/client.ts");
  expect(inputs.filter((path) => path.includes("node_modules/zod") || path.startsWith("src/contract/"))).toEqual([]);
});
