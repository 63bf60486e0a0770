import { describe, expect, it } from "vitest";
import { checkLayers, importsOf, type Layer, moduleOf, readSources } from "../../../scripts/check-layers";

// A small layering of its own, so each rule is tried without depending on how src/ looks today.
const LAYERS: Record<string, Layer> = {
  shared: { imports: [] },
  templates: { imports: ["shared"] },
  engine: { imports: ["shared"], typesFrom: ["templates"] },
  store: { imports: ["shared", "engine", "templates"], platform: true },
  index: { imports: ["shared", "templates", "engine", "store"], platform: true },
};

const messages = (files: Record<string, string>) => checkLayers(files, LAYERS).map((v) => `${v.file}:${v.line}: ${v.message}`);

describe("importsOf", () => {
  it("finds static, re-exported, side-effect and dynamic imports, and which are erased types", () => {
    const text = [
      'import { a } from "./a";',
      'import type { B } from "./b";',
      'import { type C, type D } from "./c";',
      'import { type E, f } from "./e";',
      'export { g } from "./g";',
      'export type { H } from "./h";',
      'import "./side";',
      'const lazy = () => import("./lazy");',
      "import {\n  multi,\n  line,\n} from './multi';",
    ].join("\n");
    expect(importsOf(text).map(({ specifier, typeOnly }) => `${specifier} ${typeOnly ? "type" : "value"}`)).toEqual([
      "./a value",
      "./b type",
      "./c type",
      "./e value",
      "./g value",
      "./h type",
      "./multi value",
      "./side value",
      "./lazy value",
    ]);
  });
});

describe("moduleOf", () => {
  it("names a folder of src/ by the folder and a top-level file by its name", () => {
    expect(moduleOf("src/engine/task-run.ts")).toBe("engine");
    expect(moduleOf("src/task-object/rows/x.ts")).toBe("task-object");
    expect(moduleOf("src/log.ts")).toBe("log");
    expect(moduleOf("test/unit/x.ts")).toBeNull();
  });
});

describe("checkLayers", () => {
  it("passes imports the table allows, inside a folder and to libraries", () => {
    expect(
      messages({
        "src/engine/run.ts":
          'import { x } from "../shared/limits";\nimport type { T } from "../templates/types";\nimport { z } from "zod";',
        "src/engine/other.ts": 'import { run } from "./run";',
        "src/store/store.ts": 'import { DurableObject } from "cloudflare:workers";\nimport { run } from "../engine/run";',
      }),
    ).toEqual([]);
  });

  it("refuses an import the table does not list", () => {
    expect(messages({ "src/engine/run.ts": '\nimport { Store } from "../store/store";' })).toEqual([
      "src/engine/run.ts:2: engine may not import store (../store/store)",
    ]);
  });

  it("refuses a value import from a folder that may lend only types", () => {
    expect(messages({ "src/engine/run.ts": 'import { NAME_PATTERN, type T } from "../templates/schema";' })).toEqual([
      "src/engine/run.ts:1: engine may import only types from templates (../templates/schema)",
    ]);
  });

  it("refuses the platform where the table does not allow it", () => {
    expect(messages({ "src/engine/run.ts": 'import { DurableObject } from "cloudflare:workers";' })).toEqual([
      "src/engine/run.ts:1: engine may not import the platform (cloudflare:workers)",
    ]);
  });

  it("refuses imports of examples, bench and tests from src, and a folder the table does not place", () => {
    expect(
      messages({
        "src/index.ts": 'import { h } from "../examples/handlers";\nimport { b } from "../bench/run";',
        "src/extra/x.ts": "export const x = 1;",
      }),
    ).toEqual([
      "src/index.ts:1: src/ may not import examples/ (../examples/handlers)",
      "src/index.ts:2: src/ may not import bench/ (../bench/run)",
      "src/extra/x.ts:1: src/extra has no place in the layering table (scripts/check-layers.ts)",
    ]);
  });

  it("names a cycle between folders even when the table allows both directions", () => {
    const loose: Record<string, Layer> = { a: { imports: ["b"] }, b: { imports: ["c"] }, c: { imports: ["a"] } };
    const violations = checkLayers(
      {
        "src/a/x.ts": 'import type { Y } from "../b/y";',
        "src/b/y.ts": 'import { z } from "../c/z";',
        "src/c/z.ts": 'import { x } from "../a/x";',
      },
      loose,
    );
    expect(violations.map((v) => v.message)).toEqual(["folders import each other: a → b → c → a"]);
  });

  it("finds nothing to refuse in this repository's src/", () => {
    expect(checkLayers(readSources(new URL("../../..", import.meta.url).pathname))).toEqual([]);
  });
});
