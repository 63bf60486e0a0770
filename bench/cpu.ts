// CPU per task: bursts of chain3 and diamond on tasker-edge alone, the runtime's CPU time (from /proc) divided by the tasks.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type PollPolicy, timeBurst } from "./lib/measure.ts";
import { type Profiling, startProfiling, summarize } from "./lib/profiler.ts";
import { startDevServer } from "./lib/servers.ts";
import { type Job, taskerEdge } from "./lib/targets.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BURST: PollPolicy = { intervalMs: 10, timeoutMs: 300_000 };
const CLIENT_CONCURRENCY = 32;
/** Kernel clock ticks per second (`getconf CLK_TCK`; 100 on Linux). */
const TICKS_PER_SECOND = 100;

function option(argv: string[], name: string, fallback: number): number {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} takes a positive whole number`);
  return value;
}

/** User + system CPU time of a process so far, in milliseconds (fields 14 and 15 of /proc/<pid>/stat). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function say(message: string): void {
  process.stderr.write(`[bench:cpu ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const tasks = option(argv, "tasks", 200);
  const rounds = option(argv, "rounds", 2);
  // With the inspector attached, wrangler relays every console.log: CPU per task is then higher; read it from a run without.
  // --profile-out=FILE keeps the raw profile too (open it in Chrome DevTools' Performance panel).
  const profileOut = argv.find((a) => a.startsWith("--profile-out="))?.slice("--profile-out=".length);
  const profile = argv.includes("--profile") || profileOut !== undefined;
  const work = mkdtempSync(join(tmpdir(), "tasker-cpu-"));
  const config = process.env.BENCH_ENGINE_CONFIG ? resolve(process.env.BENCH_ENGINE_CONFIG) : join(ROOT, "wrangler.toml");
  say(`starting tasker-edge from ${config}`);
  const server = await startDevServer({
    name: "ours",
    configPath: config,
    persistDir: join(work, "state"),
    logPath: join(work, "ours.log"),
    readyTimeoutMs: 90_000,
    inspector: profile,
  });
  const runtime = server.workerd.find((w) => w.role === "runtime")?.pid;
  if (runtime === undefined) throw new Error("no runtime workerd found");
  const target = taskerEdge(server.url);
  const rows: string[] = [
    "| workload | tasks | time (s) | tasks/s | runtime CPU (ms) | CPU per task (ms) |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  try {
    say("warm-up: 20 × chain3, 20 × diamond");
    for (const workload of ["chain3", "diamond"] as const) await timeBurst(target, { workload }, 20, BURST, CLIENT_CONCURRENCY);
    let profiling: Profiling | undefined;
    if (profile) {
      if (server.inspectorPort === undefined) throw new Error("the server has no inspector port");
      profiling = await startProfiling(server.inspectorPort);
    }
    for (let round = 0; round < rounds; round++) {
      for (const workload of ["chain3", "diamond"] as const) {
        const job: Job = { workload };
        const before = cpuMs(runtime);
        const burst = await timeBurst(target, job, tasks, BURST, CLIENT_CONCURRENCY);
        // Work the tasks left behind (index writes) is theirs too: wait for it, then read.
        await new Promise((r) => setTimeout(r, 2_000));
        const cpu = cpuMs(runtime) - before;
        const seconds = burst.elapsedMs / 1000;
        rows.push(
          `| ${workload} | ${tasks} | ${seconds.toFixed(2)} | ${(tasks / seconds).toFixed(1)} | ${cpu.toFixed(0)} | ${(cpu / tasks).toFixed(2)} |`,
        );
        say(rows.at(-1) as string);
      }
    }
    if (profiling) {
      const raw = await profiling.stop();
      if (profileOut) writeFileSync(resolve(profileOut), JSON.stringify(raw));
      const summary = summarize(raw);
      const busy = summary.byFunction.filter((f) => f.name !== "(idle)" && f.name !== "(program)");
      const busyMs = busy.reduce((n, f) => n + f.selfMs, 0);
      rows.push(
        "",
        `CPU profile: ${busyMs.toFixed(0)} ms not idle; top self time:`,
        "",
        "| function | file | self ms |",
        "|---|---|---:|",
      );
      for (const f of busy.slice(0, 25)) rows.push(`| \`${f.name}\` | ${f.file} | ${f.selfMs.toFixed(0)} |`);
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${rows.join("\n")}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
