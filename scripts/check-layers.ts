// The import rules of src/: which folder may import which, checked on every import (npm run check:layers).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * A module of src/: a folder (`engine`, `task-object`, …) or a file at the top of src/ (`log`, `index`).
 * `imports`: the modules it may import; `typesFrom`: modules it may import types from, and nothing else;
 * `platform`: whether it may import `cloudflare:*` modules.
 */
export interface Layer {
  imports: readonly string[];
  typesFrom?: readonly string[];
  platform?: boolean;
}

/** The layering of src/, lowest first. A module not listed here is a violation until it is placed. */
export const LAYERS: Record<string, Layer> = {
  // Leaves: names, limits and value helpers every layer shares, and the log line format.
  shared: { imports: [] },
  log: { imports: [] },
  // Step-life tracing (TASKER_TRACE=1): spans and counters written as log lines.
  trace: { imports: ["log"] },
  // The template language: schema, loader, graph checks. Pure.
  templates: { imports: ["shared"] },
  // The engine: the task and step state machines. Pure: no platform, no storage, template types only.
  engine: { imports: ["shared"], typesFrom: ["templates"] },
  // The handler SDK (tasker-edge/worker): kept small, so a handler bundle carries no template language.
  worker: { imports: ["shared", "engine", "log", "trace"] },
  "limits-config": { imports: ["shared"] },
  // What createOrchestrator resolved, carried on the env to the API, the consumers and the task objects.
  "orchestrator-config": { imports: [], typesFrom: ["templates", "worker"] },
  // The API contract: request and response schemas, described once for the server, the client and openapi.json.
  contract: { imports: ["shared", "engine", "templates"] },
  // The D1 catalog: registered templates and the task index.
  catalog: { imports: ["shared", "engine", "templates", "log", "orchestrator-config"], typesFrom: ["contract"] },
  "rate-limit": { imports: ["shared", "log"], platform: true },
  // The Durable Object that owns a task, and its SQL.
  "task-object": {
    imports: ["shared", "engine", "templates", "catalog", "log", "trace", "limits-config", "orchestrator-config"],
    typesFrom: ["contract"],
    platform: true,
  },
  // The Durable Object that runs a bulk job: pages through the task index and acts on each task's object.
  "bulk-jobs": {
    imports: ["shared", "engine", "catalog", "task-object", "log"],
    typesFrom: ["contract"],
    platform: true,
  },
  // The `tasker` command line: Node only, on the published client (`tasker-edge/client`), nothing else of the package.
  cli: { imports: ["client"] },
  // Schedules: one Durable Object per schedule, its index rows and the reconciliation of template-declared ones.
  schedules: {
    imports: ["shared", "engine", "templates", "catalog", "task-object", "log", "limits-config", "orchestrator-config"],
    typesFrom: ["contract"],
    platform: true,
  },
  // The HTTP client (tasker-edge/client): runs in plain Node, so it takes only the answer types of the server.
  client: { imports: [], typesFrom: ["contract", "task-object", "catalog", "engine", "shared"] },
  // The HTTP API: never the example handlers.
  api: {
    imports: [
      "shared",
      "engine",
      "templates",
      "contract",
      "catalog",
      "task-object",
      "rate-limit",
      "worker",
      "log",
      "limits-config",
      "orchestrator-config",
      "bulk-jobs",
      "schedules",
      "trace",
    ],
  },
  // The operator console's Worker side: serves the pages built from console/ (a module of strings). No platform, no engine.
  console: { imports: [] },
  // createOrchestrator: builds the Worker and the object classes from the user's options; wires everything together.
  orchestrator: {
    imports: [
      "shared",
      "log",
      "trace",
      "templates",
      "engine",
      "worker",
      "limits-config",
      "orchestrator-config",
      "catalog",
      "rate-limit",
      "task-object",
      "api",
      "bulk-jobs",
      "schedules",
      "console",
    ],
    platform: true,
  },
  // The package entry (tasker-edge): the factory and the types a user's orchestrator names.
  index: {
    imports: [
      "shared",
      "log",
      "trace",
      "templates",
      "engine",
      "contract",
      "worker",
      "limits-config",
      "catalog",
      "rate-limit",
      "task-object",
      "client",
      "api",
      "orchestrator-config",
      "orchestrator",
    ],
    platform: true,
  },
};

/** Folders outside src/ that src/ never imports: they use src/, not the other way round. */
export const FORBIDDEN_OUTSIDE = ["examples", "bench", "test", "scripts"];

/** The package's own entries, which tsconfig `paths` resolve into src/. */
const PACKAGE_ENTRIES: Record<string, string> = {
  "tasker-edge": "index",
  "tasker-edge/worker": "worker",
  "tasker-edge/client": "client",
};

export interface Import {
  specifier: string;
  typeOnly: boolean;
  line: number;
}

export interface Violation {
  file: string;
  line: number;
  message: string;
}

const IMPORT_FROM = /^[ \t]*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s+["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** Whether every name in `{ type A, type B }` is marked `type` (so the import is erased). */
function allNamedAreTypes(clause: string): boolean {
  const braces = clause.match(/^\{([\s\S]*)\}$/);
  if (!braces?.[1]) return false;
  const names = braces[1]
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return names.length > 0 && names.every((name) => name.startsWith("type "));
}

/** Every static, side-effect and dynamic import and re-export of one module's text. */
export function importsOf(text: string): Import[] {
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT_FROM)) {
    const [, , typeKeyword, clause = "", specifier = ""] = match;
    const typeOnly = typeKeyword !== undefined || allNamedAreTypes(clause.trim());
    found.push({ specifier, typeOnly, line: lineOf(text, match.index) });
  }
  for (const match of text.matchAll(SIDE_EFFECT_IMPORT)) {
    found.push({ specifier: match[1] ?? "", typeOnly: false, line: lineOf(text, match.index) });
  }
  for (const match of text.matchAll(DYNAMIC_IMPORT)) {
    found.push({ specifier: match[1] ?? "", typeOnly: false, line: lineOf(text, match.index) });
  }
  return found;
}

/** The src/ module a path (relative to the repository, `/`-separated) belongs to, or null outside src/. */
export function moduleOf(path: string): string | null {
  const parts = path.split("/");
  if (parts[0] !== "src" || parts.length < 2) return null;
  if (parts.length === 2) return (parts[1] ?? "").replace(/\.ts$/, "");
  return parts[1] ?? null;
}

type Target = { kind: "module"; module: string } | { kind: "outside"; path: string } | { kind: "platform" } | { kind: "library" };

function targetOf(file: string, specifier: string): Target {
  if (specifier.startsWith("cloudflare:")) return { kind: "platform" };
  const entry = PACKAGE_ENTRIES[specifier];
  if (entry !== undefined) return { kind: "module", module: entry };
  if (!specifier.startsWith(".")) return { kind: "library" };
  const path = posix.normalize(posix.join(posix.dirname(file), specifier));
  const module = moduleOf(path);
  return module === null ? { kind: "outside", path } : { kind: "module", module };
}

/** The import rules broken by these files (repository-relative path → text) under `layers`. */
export function checkLayers(files: Record<string, string>, layers: Record<string, Layer> = LAYERS): Violation[] {
  const violations: Violation[] = [];
  const edges = new Map<string, Set<string>>();
  for (const [file, text] of Object.entries(files)) {
    const from = moduleOf(file);
    // Declaration files (the generated Env, text-module shapes) describe the platform; they import nothing at run time.
    if (from === null || file.endsWith(".d.ts")) continue;
    const layer = layers[from];
    if (!layer) {
      violations.push({ file, line: 1, message: `src/${from} has no place in the layering table (scripts/check-layers.ts)` });
      continue;
    }
    for (const { specifier, typeOnly, line } of importsOf(text)) {
      const target = targetOf(file, specifier);
      const at = { file, line };
      if (target.kind === "library") continue;
      if (target.kind === "platform") {
        if (!layer.platform && !typeOnly)
          violations.push({ ...at, message: `${from} may not import the platform (${specifier})` });
        continue;
      }
      if (target.kind === "outside") {
        const root = target.path.split("/")[0] ?? "";
        if (FORBIDDEN_OUTSIDE.includes(root)) violations.push({ ...at, message: `src/ may not import ${root}/ (${specifier})` });
        continue;
      }
      const to = target.module;
      if (to === from) continue;
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
      if (layer.imports.includes(to)) continue;
      if (layer.typesFrom?.includes(to)) {
        if (!typeOnly) violations.push({ ...at, message: `${from} may import only types from ${to} (${specifier})` });
        continue;
      }
      violations.push({ ...at, message: `${from} may not import ${to} (${specifier})` });
    }
  }
  for (const cycle of cyclesOf(edges)) {
    violations.push({ file: `src/${cycle[0]}`, line: 1, message: `folders import each other: ${cycle.join(" → ")}` });
  }
  return violations;
}

/** One cycle through each strongly connected group of modules, as a path that returns to its start. */
export function cyclesOf(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      const cycle = [...path.slice(at), node];
      if (!cycles.some((c) => c.length === cycle.length && c.every((n) => cycle.includes(n)))) cycles.push(cycle);
      return;
    }
    if (done.has(node)) return;
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of edges.keys()) visit(node, []);
  return cycles;
}

/** Every .ts file under a directory, as repository-relative `/`-separated paths. */
function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(root, path);
    return entry.name.endsWith(".ts") ? [path.split(sep).join("/")] : [];
  });
}

/** Reads src/ under a repository root. */
export function readSources(root: string): Record<string, string> {
  return Object.fromEntries(sourceFiles(root, "src").map((path) => [path, readFileSync(join(root, path), "utf8")]));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const violations = checkLayers(readSources(root));
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} layering violation(s); the rules are the table in scripts/check-layers.ts`);
    process.exit(1);
  }
  console.log("layers: every import in src/ follows the table in scripts/check-layers.ts");
}
