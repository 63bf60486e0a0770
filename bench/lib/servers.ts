// Starts a Worker locally (wrangler startWorker in a child process), waits until it serves /health, finds its workerd processes, stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), "dev-server.mjs");

export interface DevServer {
  name: string;
  url: string;
  port: number;
  launcherPid: number;
  logPath: string;
  /** The devtools inspector's port when started with `inspector: true`. */
  inspectorPort?: number;
  /** workerd processes of this server: `runtime` runs the Worker's code, `proxy` is wrangler's entry proxy. */
  workerd: { pid: number; role: "runtime" | "proxy" }[];
  stop(): Promise<void>;
}

/** Asks the OS for a free loopback port (there is a small race until the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Pids of every descendant of `root`, read from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process exited while we were reading.
    }
  }
  const found: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() as number) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

function findWorkerd(launcherPid: number, port: number): DevServer["workerd"] {
  return descendants(launcherPid)
    .map((pid) => ({ pid, cmd: cmdline(pid) }))
    .filter(({ cmd }) => /\bworkerd serve\b/.test(cmd))
    .map(({ pid, cmd }) => ({ pid, role: cmd.includes(`entry=127.0.0.1:${port} `) ? ("proxy" as const) : ("runtime" as const) }));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export interface StartOptions {
  name: string;
  configPath: string;
  persistDir: string;
  logPath: string;
  readyTimeoutMs: number;
  /** Run the devtools inspector on a free port, as `wrangler dev` does by default (off: see BENCHMARKS.md). */
  inspector: boolean;
  /** Worker vars set on top of the config's (the trace run sets TASKER_TRACE=1). */
  vars?: Record<string, string>;
  /** wrangler's log level; "log" keeps the Worker's console.log lines in the log file (default "warn"). */
  logLevel?: "warn" | "log";
}

/** Starts the Worker and resolves once GET /health answers 200; rejects (after cleaning up) otherwise. */
export async function startDevServer(options: StartOptions): Promise<DevServer> {
  const port = await freePort();
  const inspectorPort = options.inspector ? String(await freePort()) : "off";
  const log = createWriteStream(options.logPath);
  // Own process group, so stopping kills exactly this server's wrangler, esbuild and workerd processes.
  const child = spawn(process.execPath, [LAUNCHER, options.configPath, String(port), inspectorPort, options.persistDir], {
    cwd: dirname(options.configPath),
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CI: "1",
      BENCH_WORKER_VARS: JSON.stringify(options.vars ?? {}),
      BENCH_LOG_LEVEL: options.logLevel ?? "warn",
    },
  });
  const launcherPid = child.pid as number;
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes("BENCH_READY ")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`${options.name} exited early (code ${code}, signal ${signal})`)));
  });
  ready.catch(() => {});

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const done = await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]);
      if (!done) {
        try {
          process.kill(-launcherPid, "SIGKILL");
        } catch {
          // Already gone.
        }
        await exited(child);
      }
    }
    // Anything the launcher left behind in its group (workerd, esbuild) goes too.
    try {
      process.kill(-launcherPid, "SIGKILL");
    } catch {
      // Nothing left.
    }
    child.stdin?.destroy();
    log.end();
  };

  const deadline = Date.now() + options.readyTimeoutMs;
  try {
    await Promise.race([
      ready,
      sleep(options.readyTimeoutMs).then(() => {
        throw new Error(`${options.name} did not print its ready line within ${options.readyTimeoutMs} ms`);
      }),
    ]);
    const url = `http://127.0.0.1:${port}`;
    for (;;) {
      const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })
        .then((r) => r.status)
        .catch(() => 0);
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`${options.name} did not answer GET /health with 200 (last status ${status})`);
      await sleep(200);
    }
    return {
      name: options.name,
      url,
      port,
      launcherPid,
      logPath: options.logPath,
      ...(inspectorPort === "off" ? {} : { inspectorPort: Number(inspectorPort) }),
      workerd: findWorkerd(launcherPid, port),
      stop,
    };
  } catch (error) {
    await stop();
    // Give the child's last words a moment to arrive, then lead with the lines that name the problem.
    await sleep(200);
    const lines = output.split("\n").filter((line) => line.trim() !== "");
    const errors = lines.filter((line) => /✘|\[ERROR\]|error:/i.test(line)).slice(0, 5);
    const detail = [...errors, "--- last output ---", ...lines.slice(-10)].join("\n");
    throw new Error(`${(error as Error).message}: ${errors[0]?.trim() ?? "see log"}\n${detail}\n(full log: ${options.logPath})`);
  }
}
