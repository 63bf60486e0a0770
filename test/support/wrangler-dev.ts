// The process-level tests' shared plumbing: free ports, child processes in their own groups (all killed at exit), `wrangler dev` until /health.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** Every process group a test started and that may still run; killed together at exit. */
const groups = new Set<ChildProcess>();

/** Kills every process group started through this module; synchronous, so it also works from an `exit` handler. */
export function killAllGroups(): void {
  for (const child of groups) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    }
  }
  groups.clear();
}

/**
 * Makes the test's exit, for any reason (its end, an error, Ctrl-C, a timeout's SIGTERM), kill what it
 * started and then run `alsoOnExit` (removing its work folder).
 */
export function killGroupsOnExit(alsoOnExit: () => void = () => {}): void {
  process.on("exit", () => {
    killAllGroups();
    alsoOnExit();
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(1));
}

/** Starts a command as the leader of its own process group (one SIGKILL takes it and everything it started), output piped. */
export function spawnGroup(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  groups.add(child);
  child.once("close", () => groups.delete(child));
  return child;
}

/** A loopback port nobody listens on at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** The environment every child gets: no telemetry, no colours, CI behaviour, no npm audit or fund chatter. */
export function quietEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    NO_COLOR: "1",
    npm_config_audit: "false",
    npm_config_fund: "false",
    ...extra,
  };
}

export interface DevServer {
  baseUrl: string;
  child: ChildProcess;
  /** Everything wrangler printed so far (shown when a test fails). */
  output(): string;
}

export interface DevServerOptions {
  /** The folder `wrangler dev` runs in. */
  cwd: string;
  /** Local state, fresh per test run. */
  persistTo: string;
  /** `-c` configurations, in order (default: the folder's wrangler.toml). */
  configs?: string[];
  /** `--var NAME:value` overrides. */
  vars?: Record<string, string>;
  readyTimeoutMs?: number;
}

/** Starts `wrangler dev` on free loopback ports and resolves once GET /health answers 200; throws with its output if it never does. */
export async function startWranglerDev(options: DevServerOptions): Promise<DevServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = ["exec", "--", "wrangler", "dev"];
  for (const config of options.configs ?? []) args.push("-c", config);
  args.push("--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort));
  args.push("--persist-to", options.persistTo);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  const child = spawnGroup("npm", args, { cwd: options.cwd, env: quietEnv() });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return { baseUrl, child, output: () => output };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer /health within ${timeoutMs / 1000} s:\n${output.slice(-4000)}`);
}
