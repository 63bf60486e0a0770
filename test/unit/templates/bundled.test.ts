import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, readProjectFile, templateFiles } from "./helpers";

// bundled.ts imports YAML as text modules, which only the Worker bundler understands, so it is read as text here.
const bundled = readProjectFile("src/templates/bundled.ts");
const imported = [...bundled.matchAll(/^import \w+ from "\.\.\/\.\.\/(templates\/[^"]+)";$/gm)].map((m) => m[1]);
const listed = [...bundled.matchAll(/\{ path: "(templates\/[^"]+)", source: (\w+) \}/g)].map((m) => m[1]);

describe("bundled.ts", () => {
  const files = templateFiles();

  it("imports every YAML file under templates/", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !imported.includes(file))).toEqual([]);
  });

  it("lists every YAML file under templates/ in bundledTemplateSources, with its path", () => {
    expect(files.filter((file) => !listed.includes(file))).toEqual([]);
  });

  it("imports and lists nothing that is missing or listed twice", () => {
    for (const path of [...imported, ...listed]) expect(existsSync(join(PROJECT_ROOT, path ?? "")), path).toBe(true);
    expect(new Set(imported).size).toBe(imported.length);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it("pairs each listed path with the module imported from that path", () => {
    const importNames = new Map(
      [...bundled.matchAll(/^import (\w+) from "\.\.\/\.\.\/(templates\/[^"]+)";$/gm)].map((m) => [m[2], m[1]]),
    );
    for (const [, path, source] of bundled.matchAll(/\{ path: "(templates\/[^"]+)", source: (\w+) \}/g)) {
      expect(importNames.get(path ?? ""), path).toBe(source);
    }
  });
});
