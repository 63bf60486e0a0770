// Runs the engine under `wrangler dev --persist-to <dir>` in its own process group, and kills that whole group.
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { descendants, freePort } from "../../bench/lib/servers.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER_BIN = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");

export interface Runtime {
  url: string;
  /** The wrangler process, leader of the group that holds its esbuild and workerd processes. */
  pid: number;
  /** When the runtime answered GET /health (epoch ms): in-flight work can resume from here on. */
  readyAt: number;
  startMs: number;
}

/** Every runtime still alive, so an exit for any reason (error, timeout, signal) can kill it. */
const live = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}

/** Kills every runtime this process started; synchronous, so it also works from an `exit` handler. */
export function killAllRuntimes(): void {
  for (const pid of live) killGroup(pid);
  live.clear();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts `wrangler dev` on a free loopback port and resolves once GET /health answers 200. */
export async function startRuntime(options: { persistDir: string; logPath: string; readyTimeoutMs: number }): Promise<Runtime> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const out = openSync(options.logPath, "a");
  const child = spawn(
    process.execPath,
    [
      WRANGLER_BIN,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      options.persistDir,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    {
      cwd: ROOT,
      // Its own process group: one SIGKILL to the group takes wrangler, esbuild and both workerd processes at once.
      detached: true,
      stdio: ["ignore", out, out],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  closeSync(out); // the child holds its own copy
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn wrangler dev");
  live.add(pid);
  let exited: string | null = null;
  child.once("exit", (code, signal) => {
    exited = `code ${code}, signal ${signal}`;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = started + options.readyTimeoutMs;
  for (;;) {
    if (exited) {
      await killRuntime(pid); // whatever it started may still be running in its group
      throw new Error(`wrangler dev exited before it was ready (${exited}); see ${options.logPath}`);
    }
    const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      await killRuntime(pid);
      throw new Error(`wrangler dev did not answer GET /health within ${options.readyTimeoutMs} ms; see ${options.logPath}`);
    }
    await sleep(100);
  }
  const readyAt = Date.now();
  return { url, pid, readyAt, startMs: readyAt - started };
}

function groupOf(pid: number): { pgid: number; zombie: boolean } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pgid: Number(fields[2]), zombie: fields[0] === "Z" };
  } catch {
    return null;
  }
}

/** Live (not zombie) processes of a process group, read from /proc. */
export function groupMembers(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const group = groupOf(pid);
      return group !== null && group.pgid === pgid && !group.zombie;
    });
}

/**
 * SIGKILLs the runtime's whole process group (no shutdown hook runs: this is the crash) and waits
 * until none of its processes, nor any descendant that left the group, is alive. Throws if one survives.
 */
export async function killRuntime(pid: number): Promise<void> {
  const family = new Set([pid, ...descendants(pid), ...groupMembers(pid)]);
  killGroup(pid);
  for (const member of family) {
    try {
      process.kill(member, "SIGKILL");
    } catch {
      // Already gone with the group.
    }
  }
  live.delete(pid);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const survivors = [...family].filter((member) => {
      const group = groupOf(member);
      return group !== null && !group.zombie;
    });
    if (survivors.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes of the killed runtime survived SIGKILL: ${survivors.join(", ")}`);
    await sleep(50);
  }
}
