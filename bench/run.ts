// Benchmark harness: tasker-edge vs Cloudflare Workflows (and the bare platform floor) on the same local runtime.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeEnvironment, workerdVersion } from "./lib/environment.ts";
import { describe, type PollPolicy, sleep, type TwoViews, timeBurst, timeOne, timeOneBothViews } from "./lib/measure.ts";
import { MemorySampler } from "./lib/memory.ts";
import { orderPair, type Random, seededRandom, shuffle } from "./lib/prng.ts";
import { writeReport } from "./lib/report.ts";
import type { BenchResults, Outcome, ServerMemory, Side, TimedSeries } from "./lib/results.ts";
import { type DevServer, startDevServer } from "./lib/servers.ts";
import { floor, type Job, type Target, taskerEdge, workflowsBaseline } from "./lib/targets.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Plan {
  mode: "full" | "quick";
  seed: number;
  warmup: number;
  warmupFanout: boolean;
  latencyRuns: number;
  floorRuns: number;
  burstSizes: number[];
  fanouts: { branches: number; runs: number; baseline: boolean }[];
  budgetMs: number;
  inspector: boolean;
}

function parseArgs(argv: string[]): Plan {
  const quick = argv.includes("--quick");
  const seedArg = argv.find((a) => a.startsWith("--seed="));
  const seed = seedArg ? Number(seedArg.slice("--seed=".length)) >>> 0 : 20_261_128;
  const with10k = argv.includes("--with-10k");
  // The 10,000-branch fan-out runs on tasker-edge in every full run; on Workflows only with --with-10k.
  const fanouts = quick
    ? [{ branches: 100, runs: 1, baseline: true }]
    : [
        { branches: 100, runs: 3, baseline: true },
        { branches: 1_000, runs: 2, baseline: true },
        { branches: 10_000, runs: 1, baseline: with10k },
      ];
  return {
    mode: quick ? "quick" : "full",
    inspector: argv.includes("--inspector"),
    seed,
    warmup: quick ? 1 : 2,
    warmupFanout: !quick,
    latencyRuns: quick ? 8 : 30,
    floorRuns: quick ? 8 : 30,
    burstSizes: quick ? [50] : [100, 400],
    fanouts,
    // Safety net: past this, remaining measurements are skipped and reported as such.
    budgetMs: (quick ? 57 : 290) * 1000 + (with10k ? 600_000 : 0),
  };
}

/** Status reads of a single job: every 10 ms, the same on every system. */
const SINGLE: PollPolicy = { intervalMs: 10, timeoutMs: 30_000 };
/** A burst is awaited with a cursor over its tasks (see timeBurst), pausing 10 ms whenever the oldest is still running. */
const BURST: PollPolicy = { intervalMs: 10, timeoutMs: 120_000 };
const FANOUT: PollPolicy = { intervalMs: 10, timeoutMs: 180_000 };
/** The 10,000-branch fan-out (opt-in) takes minutes on the local Workflows engine. */
const FANOUT_10K: PollPolicy = { intervalMs: 10, timeoutMs: 600_000 };
/** Requests in flight from the client during a burst (submits, then status reads). */
const CLIENT_CONCURRENCY = 32;

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Budget {
  private readonly deadline: number;
  constructor(ms: number) {
    this.deadline = Date.now() + ms;
  }
  remaining(): number {
    return this.deadline - Date.now();
  }
  cap(policy: PollPolicy): PollPolicy {
    return { ...policy, timeoutMs: Math.max(1_000, Math.min(policy.timeoutMs, this.remaining())) };
  }
}

async function main(): Promise<void> {
  const [major] = process.versions.node.split(".").map(Number);
  if ((major ?? 0) < 22) {
    console.error(`bench needs Node 22 (wrangler 4 does); this is ${process.version}. Run it with \`npm run bench\`.`);
    process.exit(2);
  }
  const plan = parseArgs(process.argv.slice(2));
  const random = seededRandom(plan.seed);
  const budget = new Budget(plan.budgetMs);
  const environment = describeEnvironment(ROOT);
  const work = mkdtempSync(join(tmpdir(), "tasker-bench-"));
  log(`${plan.mode} run, seed ${plan.seed}, scratch ${work}`);

  const configs: Record<Side, string> = {
    // BENCH_ENGINE_CONFIG points at another checkout's wrangler.toml (e.g. a branch under test).
    ours: process.env.BENCH_ENGINE_CONFIG ? resolve(process.env.BENCH_ENGINE_CONFIG) : join(ROOT, "wrangler.toml"),
    baseline: join(ROOT, "bench/workflows-baseline/wrangler.toml"),
    floor: join(ROOT, "bench/floor/wrangler.toml"),
  };
  const sides: Side[] = ["ours", "baseline", "floor"];
  const servers: Partial<Record<Side, DevServer>> = {};
  const startErrors: Partial<Record<Side, string>> = {};
  const started = Date.now();
  await Promise.all(
    sides.map(async (side) => {
      try {
        servers[side] = await startDevServer({
          name: side,
          configPath: configs[side],
          persistDir: join(work, `state-${side}`),
          logPath: join(work, `${side}.log`),
          readyTimeoutMs: 90_000,
          inspector: plan.inspector,
        });
        log(
          `${side} ready at ${servers[side]?.url} (workerd ${servers[side]?.workerd.map((w) => `${w.role}:${w.pid}`).join(", ")})`,
        );
      } catch (error) {
        startErrors[side] = errorText(error);
        log(`${side} failed to start: ${startErrors[side]}`);
      }
    }),
  );
  const startupMs = Date.now() - started;

  const samplers = new Map<Side, MemorySampler>();
  for (const side of sides) {
    const server = servers[side];
    if (!server) continue;
    const sampler = new MemorySampler(server.workerd.map((w) => w.pid));
    sampler.start();
    samplers.set(side, sampler);
  }

  const targets: Partial<Record<Side, Target>> = {};
  if (servers.ours) targets.ours = taskerEdge(servers.ours.url);
  if (servers.baseline) targets.baseline = workflowsBaseline(servers.baseline.url);
  if (servers.floor) targets.floor = floor(servers.floor.url);

  const unavailable = (side: Side): string => `not measured: ${side} did not start (${(startErrors[side] ?? "").split("\n")[0]})`;

  /** Runs `fn` for one side, turning failures, a missing server and an exhausted budget into recorded outcomes. */
  async function attempt<T>(side: Side, what: string, fn: (target: Target) => Promise<T>): Promise<Outcome<T>> {
    const target = targets[side];
    if (!target) return { ok: false, error: unavailable(side) };
    if (budget.remaining() <= 0) return { ok: false, error: "skipped: the run's time budget was used up" };
    try {
      return { ok: true, value: await fn(target) };
    } catch (error) {
      log(`${side} ${what} failed: ${errorText(error)}`);
      return { ok: false, error: errorText(error) };
    }
  }

  const results: BenchResults = {
    meta: {
      ...environment,
      mode: plan.mode,
      seed: plan.seed,
      inspector: plan.inspector,
      engineConfig: configs.ours === join(ROOT, "wrangler.toml") ? undefined : configs.ours,
      workerd: workerdVersion(servers.ours?.workerd.find((w) => w.role === "runtime")?.pid ?? servers.baseline?.workerd[0]?.pid),
      startupMs,
      pollIntervalMs: SINGLE.intervalMs,
      burstPollIntervalMs: BURST.intervalMs,
      clientConcurrency: CLIENT_CONCURRENCY,
    },
    startErrors,
    latency: [],
    throughput: [],
    fanout: [],
    memory: {},
  };

  // Warm-up: compile and instantiate every path once on every side; nothing here is recorded.
  log("warm-up");
  for (let i = 0; i < plan.warmup; i++) {
    for (const side of ["ours", "baseline"] as const) {
      for (const workload of ["chain3", "diamond"] as const) {
        await attempt(side, "warm-up", (t) => timeOne(t, { workload }, budget.cap(SINGLE)));
      }
    }
    for (const workload of ["hop", "hop_warm"] as const) {
      await attempt("floor", "warm-up", (t) => timeOne(t, { workload }, budget.cap(SINGLE)));
    }
  }
  if (plan.warmupFanout) {
    for (const side of ["ours", "baseline"] as const) {
      await attempt(side, "warm-up", (t) => timeOne(t, { workload: "fanout", n: 100 }, budget.cap(FANOUT)));
    }
  }

  // (5) The platform floor: HTTP → queue send → consumer → DO RPC → observable completion, to a fresh and a warm object.
  log(`floor: ${plan.floorRuns} hops to fresh objects and ${plan.floorRuns} to one warm object`);
  const floorSeries = {
    fresh: { samples: [] as number[], error: undefined as string | undefined },
    warm: { samples: [] as number[], error: undefined as string | undefined },
  };
  for (let i = 0; i < plan.floorRuns; i++) {
    for (const variant of orderPair(random, "fresh" as const, "warm" as const)) {
      const series = floorSeries[variant];
      if (series.error) continue;
      const job: Job = { workload: variant === "fresh" ? "hop" : "hop_warm" };
      const outcome = await attempt("floor", describe(job), (t) => timeOne(t, job, budget.cap(SINGLE)));
      if (outcome.ok) series.samples.push(outcome.value);
      else series.error = outcome.error;
    }
  }
  results.floor = floorSeries;

  // (1) and (2): one task at a time; each round runs chain3 and diamond on both engines in a seeded order.
  log(`chain3 and diamond: ${plan.latencyRuns} tasks of each, one at a time, on each engine`);
  const latency = await interleavedLatency(["chain3", "diamond"], plan.latencyRuns, random, attempt, budget);
  results.latency.push(
    { workload: "chain3", steps: 3, ...latency.chain3 },
    { workload: "diamond", steps: 4, ...latency.diamond },
  );

  // (3) Throughput: a burst of tasks submitted at once, until the last one completes.
  for (const size of plan.burstSizes) {
    for (const workload of ["chain3", "diamond"] as const) {
      const [first, second] = orderPair(random, "ours" as const, "baseline" as const);
      const entry: BenchResults["throughput"][number] = { workload, tasks: size, ours: pending(), baseline: pending() };
      for (const side of [first, second]) {
        log(`throughput: ${size} × ${workload} on ${side}`);
        entry[side] = await attempt(side, `burst ${size} × ${workload}`, (t) =>
          timeBurst(t, { workload }, size, budget.cap(BURST), CLIENT_CONCURRENCY),
        );
        await settle();
      }
      results.throughput.push(entry);
    }
  }

  // (4) Fan-out: one task, root → N parallel steps → join.
  const largest = Math.max(...plan.fanouts.map((f) => f.branches));
  for (const { branches, runs, baseline } of plan.fanouts) {
    const job: Job = { workload: "fanout", n: branches };
    // The compared memory peak covers the same workloads on both engines: read it before the 10,000 fan-out.
    if (branches > 1_000 && branches === largest) for (const sampler of samplers.values()) sampler.markBeforeLargest();
    const entry: BenchResults["fanout"][number] = { branches, steps: branches + 2, ours: pending(), baseline: pending() };
    const samples: Record<"ours" | "baseline", TwoViews[]> = { ours: [], baseline: [] };
    const errors: Partial<Record<"ours" | "baseline", string>> = {};
    if (!baseline) {
      errors.baseline =
        "not run by default: the local Workflows engine takes minutes for 10,002 steps (see Method); run `npm run bench -- --with-10k`";
    }
    for (let i = 0; i < runs; i++) {
      for (const side of orderPair(random, "ours" as const, "baseline" as const)) {
        if (errors[side]) continue;
        log(`fan-out ${branches} on ${side} (${i + 1}/${runs})`);
        const policy = branches > 1_000 ? FANOUT_10K : FANOUT;
        const outcome = await attempt(side, describe(job), (t) => timeOneBothViews(t, job, budget.cap(policy)));
        if (outcome.ok) samples[side].push(outcome.value);
        else errors[side] = outcome.error;
        await settle();
      }
    }
    for (const side of ["ours", "baseline"] as const) {
      entry[side] =
        samples[side].length > 0
          ? { ok: true, value: timedSeries(samples[side]), partialError: errors[side] }
          : { ok: false, error: errors[side] ?? "no runs" };
    }
    results.fanout.push(entry);
  }

  results.meta.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  results.meta.durationMs = Date.now() - started;

  // (6) Memory: the kernel's high-water mark of each workerd, read before the servers stop.
  for (const side of sides) {
    const readings = samplers.get(side)?.stop();
    const server = servers[side];
    if (!readings || !server) continue;
    const memory: ServerMemory = {};
    for (const { pid, role } of server.workerd) {
      const reading = readings.get(pid);
      if (reading) memory[role] = { pid, ...reading };
    }
    results.memory[side] = memory;
  }

  log("stopping servers");
  await Promise.all(Object.values(servers).map((server) => server?.stop()));

  const resultsDir = join(ROOT, "bench/results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = writeReport(join(ROOT, "BENCHMARKS.md"), results);
  process.stdout.write(`${markdown}\n`);
  log(`wrote BENCHMARKS.md and bench/results/latest.json in ${Math.round((Date.now() - started) / 1000)} s`);
  if (process.argv.includes("--keep-logs")) log(`server logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

function pending<T>(): Outcome<T> {
  return { ok: false, error: "not run" };
}

/** A short pause between heavy measurements so one system's leftover work does not land on the other's clock. */
function settle(): Promise<void> {
  return sleep(500);
}

type Attempt = <T>(side: Side, what: string, fn: (target: Target) => Promise<T>) => Promise<Outcome<T>>;

type Series = Outcome<TimedSeries>;

/** Both views of a series of runs; the engine's only when every run reported it, so the two stay paired. */
function timedSeries(runs: readonly TwoViews[]): TimedSeries {
  const samples = runs.map((r) => r.clientMs);
  const engine = runs.map((r) => r.engineMs).filter((ms): ms is number => ms !== undefined);
  return engine.length === runs.length ? { samples, engineSamples: engine } : { samples };
}

async function interleavedLatency(
  workloads: readonly ("chain3" | "diamond")[],
  runs: number,
  random: Random,
  attempt: Attempt,
  budget: Budget,
): Promise<Record<"chain3" | "diamond", { ours: Series; baseline: Series }>> {
  const key = (side: string, workload: string) => `${side}:${workload}`;
  const samples = new Map<string, TwoViews[]>();
  const errors = new Map<string, string>();
  const cells = workloads.flatMap((workload) => (["ours", "baseline"] as const).map((side) => ({ side, workload })));
  for (let i = 0; i < runs; i++) {
    for (const { side, workload } of shuffle(random, cells)) {
      const k = key(side, workload);
      if (errors.has(k)) continue;
      const outcome = await attempt(side, workload, (t) => timeOneBothViews(t, { workload }, budget.cap(SINGLE)));
      if (outcome.ok) samples.set(k, [...(samples.get(k) ?? []), outcome.value]);
      else errors.set(k, outcome.error);
    }
  }
  const series = (side: "ours" | "baseline", workload: string): Series => {
    const list = samples.get(key(side, workload)) ?? [];
    const error = errors.get(key(side, workload));
    return list.length > 0
      ? { ok: true, value: timedSeries(list), partialError: error }
      : { ok: false, error: error ?? "no runs" };
  };
  return {
    chain3: { ours: series("ours", "chain3"), baseline: series("baseline", "chain3") },
    diamond: { ours: series("ours", "diamond"), baseline: series("baseline", "diamond") },
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
