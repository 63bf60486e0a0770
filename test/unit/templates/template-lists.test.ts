import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, readProjectFile, templateFiles } from "./helpers";

// The lists import YAML as text modules, which only the Worker bundler understands, so they are read as text here.
const LISTS = [
  { module: "examples/orchestrator/src/templates.ts", dir: "examples/orchestrator/templates", label: "examples/orchestrator" },
  { module: "bench/orchestrator/templates.ts", dir: "bench/templates", label: "" },
];

describe.each(LISTS)("$module", ({ module, dir, label }) => {
  const text = readProjectFile(module);
  // Each import as [name, project-relative path], each listed entry as [label path, source name].
  const imports = [...text.matchAll(/^import (\w+) from "(\.[^"]+\.yaml)";$/gm)].map(
    (m) => [m[1] ?? "", relative(PROJECT_ROOT, join(PROJECT_ROOT, dirname(module), m[2] ?? ""))] as const,
  );
  const listed = [...text.matchAll(/\{ path: "([^"]+)", source: (\w+) \}/g)].map((m) => [m[1] ?? "", m[2] ?? ""] as const);
  const files = templateFiles().filter((file) => file.startsWith(`${dir}/`));
  const fromLabel = (path: string) => (label === "" ? path : `${label}/${path}`);

  it("imports every YAML file of its directory", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !imports.some(([, path]) => path === file))).toEqual([]);
  });

  it("lists every YAML file of its directory, with its path", () => {
    expect(files.filter((file) => !listed.some(([path]) => fromLabel(path) === file))).toEqual([]);
  });

  it("imports and lists nothing that is missing or listed twice", () => {
    for (const [, path] of imports) expect(existsSync(join(PROJECT_ROOT, path)), path).toBe(true);
    for (const [path] of listed) expect(existsSync(join(PROJECT_ROOT, fromLabel(path))), path).toBe(true);
    expect(new Set(imports.map(([, path]) => path)).size).toBe(imports.length);
    expect(new Set(listed.map(([path]) => path)).size).toBe(listed.length);
  });

  it("pairs each listed path with the module imported from that path", () => {
    const importNames = new Map(imports.map(([name, path]) => [path, name]));
    for (const [path, source] of listed) expect(importNames.get(fromLabel(path)), path).toBe(source);
  });
});
