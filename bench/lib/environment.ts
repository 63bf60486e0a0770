// What the benchmark ran on: date, tool versions, machine, load, and the repository commit.
import { execFileSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    return line?.split(":")[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

function gitCommit(root: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The workerd binary a running server uses, and its `--version` (its own release date). */
export function workerdVersion(pid: number | undefined): { binary?: string; version?: string; package?: string } {
  if (pid === undefined) return {};
  try {
    const binary = readlinkSync(`/proc/${pid}/exe`);
    const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
    const pkg = readJson(join(dirname(dirname(binary)), "package.json"));
    return { binary, version, package: typeof pkg?.version === "string" ? pkg.version : undefined };
  } catch {
    return {};
  }
}

export interface Environment {
  date: string;
  node: string;
  wrangler: string | undefined;
  miniflare: string | undefined;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverageAtStart: number[];
  commit: string | undefined;
  platform: string;
}

export function describeEnvironment(root: string): Environment {
  const wrangler = readJson(join(root, "node_modules/wrangler/package.json"));
  const miniflare =
    readJson(join(root, "node_modules/wrangler/node_modules/miniflare/package.json")) ??
    readJson(join(root, "node_modules/miniflare/package.json"));
  return {
    date: new Date().toISOString(),
    node: process.version,
    wrangler: wrangler?.version as string | undefined,
    miniflare: miniflare?.version as string | undefined,
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    commit: gitCommit(root),
    platform: `${process.platform}-${process.arch}`,
  };
}
