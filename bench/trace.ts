// Trace run: chain3 and one fan-out on tasker-edge with TASKER_TRACE=1, broken down per phase from the server's trace lines.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type PollPolicy, sleep, type TwoViews, timeOneBothViews } from "./lib/measure.ts";
import { type ProfileSummary, type Profiling, startProfiling, summarize } from "./lib/profiler.ts";
import { startDevServer } from "./lib/servers.ts";
import { percentile } from "./lib/stats.ts";
import { type Job, taskerEdge } from "./lib/targets.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Options {
  chains: number;
  fanout: number;
  fanoutRuns: number;
  keepLogs: boolean;
  /** Also take a CPU profile of the runtime through the inspector during the measured runs. */
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const number = (name: string, fallback: number) => {
    const arg = argv.find((a) => a.startsWith(`--${name}=`));
    const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
    return value;
  };
  return {
    chains: number("chains", 20),
    fanout: number("fanout", 100),
    fanoutRuns: number("fanout-runs", 2),
    keepLogs: argv.includes("--keep-logs"),
    profile: argv.includes("--profile"),
  };
}

const SINGLE: PollPolicy = { intervalMs: 10, timeoutMs: 30_000 };
const FANOUT: PollPolicy = { intervalMs: 10, timeoutMs: 180_000 };

function say(message: string): void {
  process.stderr.write(`[bench:trace ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** A trace line as src/trace.ts writes it. */
interface TraceLine {
  evt: "trace.step" | "trace.rpc" | "trace.submit";
  task_uuid?: string;
  step_uuid?: string;
  step?: string;
  rpc?: string;
  via?: string;
  queue_delay_ms?: number | null;
  stale?: boolean;
  db_bytes?: number;
  total_ms: number;
  phases: Record<string, number>;
  counts: Record<string, number>;
}

/** Every trace line in a server log (wrangler prints the Worker's lines as they are, possibly after a prefix). */
export function readTraceLines(log: string): TraceLine[] {
  const lines: TraceLine[] = [];
  for (const text of log.split("\n")) {
    const start = text.indexOf('{"evt":"trace.');
    if (start < 0) continue;
    try {
      lines.push(JSON.parse(text.slice(start)) as TraceLine);
    } catch {
      // A line cut by the log's buffering: skipped.
    }
  }
  return lines;
}

interface Group {
  label: string;
  lines: TraceLine[];
}

const fmt = (x: number | undefined) => (x === undefined ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

const mean = (values: number[]) => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length);

/**
 * Rows of p50 / p90 / mean per phase (plus the line's total) across groups, phases in the order
 * first seen. The local clock ticks in whole milliseconds, so a sub-millisecond phase reads 0 or 1:
 * its mean over many lines is the estimate to read, not its percentiles.
 */
function phaseTable(title: string, groups: Group[]): string[] {
  const phases: string[] = [];
  for (const { lines } of groups) {
    for (const line of lines) for (const phase of Object.keys(line.phases)) if (!phases.includes(phase)) phases.push(phase);
  }
  const out = [
    `| ${title} | ${groups.map((g) => `${g.label} p50 | p90 | mean`).join(" | ")} |`,
    `|---|${groups.map(() => "---:|---:|---:").join("|")}|`,
  ];
  const cell = (values: number[]) => `${fmt(percentile(values, 50))} | ${fmt(percentile(values, 90))} | ${fmt(mean(values))}`;
  for (const phase of [...phases, "total_ms"]) {
    const cells = groups.map(({ lines }) => cell(lines.map((l) => (phase === "total_ms" ? l.total_ms : (l.phases[phase] ?? 0)))));
    out.push(`| ${phase === "total_ms" ? "**total**" : phase} | ${cells.join(" | ")} |`);
  }
  out.push(`| lines | ${groups.map((g) => `${g.lines.length} | | `).join("| ")}|`);
  return out;
}

/** Rows of p50 / p90 per counter. */
function countTable(title: string, groups: Group[]): string[] {
  const names: string[] = [];
  for (const { lines } of groups) {
    for (const line of lines) for (const name of Object.keys(line.counts)) if (!names.includes(name)) names.push(name);
  }
  const out = [
    `| ${title} | ${groups.map((g) => `${g.label} p50 | p90 | mean`).join(" | ")} |`,
    `|---|${groups.map(() => "---:|---:|---:").join("|")}|`,
  ];
  for (const name of names) {
    const cells = groups.map(({ lines }) => {
      const values = lines.map((l) => l.counts[name] ?? 0);
      return `${fmt(percentile(values, 50))} | ${fmt(percentile(values, 90))} | ${fmt(mean(values))}`;
    });
    out.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  return out;
}

interface Workload {
  label: string;
  job: Job;
  runs: TwoViews[];
  steps: number;
  /** Which consumer lines count as "the step" of this workload (a fan-out's parallel workers, not its root and join). */
  isStep(name: string | undefined): boolean;
}

async function main(): Promise<void> {
  const [major] = process.versions.node.split(".").map(Number);
  if ((major ?? 0) < 22) {
    console.error(
      `bench:trace needs Node 22 (wrangler 4 does); this is ${process.version}. Run it with \`npm run bench:trace\`.`,
    );
    process.exit(2);
  }
  const options = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), "tasker-trace-"));
  const logPath = join(work, "ours.log");
  say(`starting tasker-edge with TASKER_TRACE=1 (scratch ${work})`);
  const server = await startDevServer({
    name: "ours",
    configPath: process.env.BENCH_ENGINE_CONFIG ? resolve(process.env.BENCH_ENGINE_CONFIG) : join(ROOT, "wrangler.toml"),
    persistDir: join(work, "state"),
    logPath,
    readyTimeoutMs: 90_000,
    inspector: options.profile,
    vars: { TASKER_TRACE: "1" },
    logLevel: "log",
  });
  const target = taskerEdge(server.url);
  const fanoutJob: Job = { workload: "fanout", n: options.fanout };
  const workloads: Workload[] = [
    { label: "chain3", job: { workload: "chain3" }, runs: [], steps: 3, isStep: () => true },
    {
      label: `fan-out ${options.fanout}`,
      job: fanoutJob,
      runs: [],
      steps: options.fanout + 2,
      isStep: (name) => name !== undefined && name !== "root" && name !== "join" && !name.startsWith("plan"),
    },
  ];
  let profiling: Profiling | undefined;
  let profile: ProfileSummary | undefined;
  try {
    say("warm-up: 2 × chain3, 1 fan-out (not counted)");
    const warm: string[] = [];
    for (let i = 0; i < 2; i++) warm.push((await timeOneBothViews(target, { workload: "chain3" }, SINGLE)).id);
    warm.push((await timeOneBothViews(target, fanoutJob, FANOUT)).id);
    const [chain, fanout] = workloads as [Workload, Workload];
    if (options.profile) {
      if (server.inspectorPort === undefined) throw new Error("the server has no inspector port");
      profiling = await startProfiling(server.inspectorPort);
      say(`CPU profile started through the inspector on port ${server.inspectorPort}`);
    }
    say(`chain3: ${options.chains} tasks, one at a time`);
    for (let i = 0; i < options.chains; i++) chain.runs.push(await timeOneBothViews(target, chain.job, SINGLE));
    say(`fan-out ${options.fanout}: ${options.fanoutRuns} tasks`);
    for (let i = 0; i < options.fanoutRuns; i++) {
      fanout.runs.push(await timeOneBothViews(target, fanout.job, FANOUT));
      await sleep(500);
    }
    // Background work (index writes) finishes and the last lines reach the log.
    await sleep(2_000);
    if (profiling) {
      const raw = await profiling.stop();
      mkdirSync(join(ROOT, "bench/results"), { recursive: true });
      writeFileSync(join(ROOT, "bench/results/trace.cpuprofile"), JSON.stringify(raw));
      profile = summarize(raw);
    }
  } finally {
    await server.stop();
  }
  await sleep(300);
  const all = readTraceLines(readFileSync(logPath, "utf8"));
  say(`${all.length} trace lines read from the server log`);
  if (all.length === 0) throw new Error(`no trace lines in ${logPath}: is TASKER_TRACE reaching the Worker?`);

  const md: string[] = [];
  const json: Record<string, unknown> = {};
  const stepGroups: Group[] = [];
  const submitGroups: Group[] = [];
  const rpcGroups: Record<string, Group[]> = { claim: [], claimMany: [], report: [], reportMany: [], create: [], getTask: [] };
  const perStep: string[] = [
    `| per task and per step | ${workloads.map((w) => w.label).join(" | ")} |`,
    `|---|${workloads.map(() => "---:").join("|")}|`,
  ];
  const perStepRows: Record<string, string[]> = {};
  const addPerStep = (row: string, value: string) => {
    perStepRows[row] ??= [];
    perStepRows[row].push(value);
  };

  for (const workload of workloads) {
    const ids = new Set(workload.runs.map((r) => r.id));
    const mine = all.filter((l) => l.task_uuid !== undefined && ids.has(l.task_uuid));
    const consumer = mine.filter((l) => l.evt === "trace.step" && !l.stale && workload.isStep(l.step));
    const stepUuids = new Set(consumer.map((l) => l.step_uuid));
    // Eager steps (handed back by a report or by the create) and queued ones (a larger fan-out's rest) apart.
    for (const via of ["eager", "queue"]) {
      const lines = consumer.filter((l) => l.via === via);
      if (lines.length > 0) stepGroups.push({ label: `${workload.label} ${via === "eager" ? "eager" : "queued"}`, lines });
    }
    const delays = consumer.map((l) => l.queue_delay_ms).filter((d): d is number => typeof d === "number");
    const rpc = mine.filter((l) => l.evt === "trace.rpc");
    submitGroups.push({ label: workload.label, lines: mine.filter((l) => l.evt === "trace.submit") });
    for (const name of Object.keys(rpcGroups)) {
      const perTask = name === "create" || name === "getTask" || name === "claimMany" || name === "reportMany";
      const lines = rpc.filter((l) => l.rpc === name && (perTask || stepUuids.has(l.step_uuid)));
      rpcGroups[name]?.push({ label: workload.label, lines });
    }
    // Per step: the claim and the report of one step together.
    const byStep = new Map<string, { statements: number; rowsWritten: number; rowsRead: number }>();
    for (const line of rpc) {
      if ((line.rpc !== "claim" && line.rpc !== "report") || !line.step_uuid || !stepUuids.has(line.step_uuid)) continue;
      const entry = byStep.get(line.step_uuid) ?? { statements: 0, rowsWritten: 0, rowsRead: 0 };
      entry.statements += line.counts.sql_statements ?? 0;
      entry.rowsWritten += line.counts.rows_written ?? 0;
      entry.rowsRead += line.counts.rows_read ?? 0;
      byStep.set(line.step_uuid, entry);
    }
    const steps = [...byStep.values()];
    // Bytes: each task's database at its last traced RPC, and its growth from the end of `create`.
    const bytes = [...ids].map((id) => {
      const lines = rpc.filter((l) => l.task_uuid === id && typeof l.db_bytes === "number");
      const final = Math.max(0, ...lines.map((l) => l.db_bytes as number));
      const created = lines.find((l) => l.rpc === "create")?.db_bytes ?? 0;
      return { final, growth: final - created };
    });
    const client = workload.runs.map((r) => r.clientMs);
    const engine = workload.runs.map((r) => r.engineMs).filter((x): x is number => x !== undefined);
    const polls = ids.size > 0 ? rpc.filter((l) => l.rpc === "getTask").length / ids.size : 0;
    const p50 = (xs: number[]) => fmt(percentile(xs, 50));
    addPerStep(`tasks (steps each)`, `${workload.runs.length} (${workload.steps})`);
    addPerStep("client-observed task time p50 (ms)", p50(client));
    addPerStep("  of which the submit request (POST /v1/tasks) p50 (ms)", p50(workload.runs.map((r) => r.submitMs)));
    addPerStep("engine-recorded task time p50, created_at → completed_at (ms)", p50(engine));
    addPerStep("engine-recorded per step p50 (ms)", p50(engine.map((e) => e / workload.steps)));
    // Every RPC the steps cost, counted whole: a claimMany serves many steps, a report may claim the next.
    const stepCount = Math.max(1, workload.runs.length * workload.steps);
    const perTaskRpc = (name: string) => name === "claimMany" || name === "reportMany";
    const rpcsOf = (name: string) => rpc.filter((l) => l.rpc === name && (perTaskRpc(name) || stepUuids.has(l.step_uuid)));
    const work = rpc.filter((l) => l.rpc !== "getTask");
    const perStepOf = (count: string) => fmt(work.reduce((n, l) => n + (l.counts[count] ?? 0), 0) / stepCount);
    addPerStep(
      "RPCs per step: claim / claimMany / report / reportMany",
      ["claim", "claimMany", "report", "reportMany"].map((name) => fmt(rpcsOf(name).length / stepCount)).join(" / "),
    );
    addPerStep("SQL statements per step, every RPC but getTask (total ÷ steps)", perStepOf("sql_statements"));
    addPerStep("rows written per step, every RPC but getTask (total ÷ steps)", perStepOf("rows_written"));
    addPerStep("SQL statements per step (claim + report) p50", p50(steps.map((s) => s.statements)));
    addPerStep("rows written per step p50", p50(steps.map((s) => s.rowsWritten)));
    addPerStep("rows read per step p50", p50(steps.map((s) => s.rowsRead)));
    addPerStep("database bytes per task at the end p50", p50(bytes.map((b) => b.final)));
    addPerStep("bytes per step, whole database ÷ steps p50", p50(bytes.map((b) => b.final / workload.steps)));
    addPerStep("bytes per step, growth after create ÷ steps p50", p50(bytes.map((b) => b.growth / workload.steps)));
    addPerStep("status reads (getTask RPCs) per task", fmt(polls));
    addPerStep(
      "steps run eager / queued",
      `${consumer.filter((l) => l.via === "eager").length} / ${consumer.filter((l) => l.via === "queue").length}`,
    );
    addPerStep(
      "queued steps: queue send → delivery p50 / p90 (ms)",
      delays.length > 0 ? `${fmt(percentile(delays, 50))} / ${fmt(percentile(delays, 90))}` : "–",
    );
    json[workload.label] = { runs: workload.runs, steps, bytes, traceLines: mine.length };
  }
  for (const [row, values] of Object.entries(perStepRows)) perStep.push(`| ${row} | ${values.join(" | ")} |`);

  md.push("Per step, per task (a fan-out's steps are its parallel workers):", "", ...perStep, "");
  if (submitGroups.some((g) => g.lines.length > 0)) {
    md.push(
      "API Worker, `POST /v1/tasks` (ms; `create_wait` is the create RPC, the object's own share is its `create` line below):",
      "",
      ...phaseTable("submit phase", submitGroups),
      "",
    );
  }
  md.push("Consumer, one line per step (ms):", "", ...phaseTable("consumer phase", stepGroups), "");
  for (const [name, groups] of Object.entries(rpcGroups)) {
    if (groups.every((g) => g.lines.length === 0)) continue;
    md.push(`Task object, \`${name}\` RPC (ms):`, "", ...phaseTable(`${name} phase`, groups), "");
    md.push(...countTable(`${name} counts`, groups), "");
  }
  if (profile) {
    const busy = profile.byFunction.filter((f) => f.name !== "(idle)" && f.name !== "(program)");
    const busyMs = busy.reduce((n, f) => n + f.selfMs, 0);
    md.push(
      `CPU profile of the runtime over the measured runs (${fmt(profile.totalMs)} ms, ${fmt(busyMs)} ms not idle; bench/results/trace.cpuprofile opens in DevTools), top self time:`,
      "",
      "| function | file | self ms | share of busy |",
      "|---|---|---:|---:|",
      ...busy
        .slice(0, 30)
        .map((f) => `| \`${f.name}\` | ${f.file} | ${fmt(f.selfMs)} | ${((100 * f.selfMs) / busyMs).toFixed(1)}% |`),
      "",
    );
  }
  const report = md.join("\n");
  const resultsDir = join(ROOT, "bench/results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "trace.md"), `${report}\n`);
  writeFileSync(join(resultsDir, "trace.json"), `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`${report}\n`);
  say("wrote bench/results/trace.md and bench/results/trace.json");
  if (options.keepLogs) say(`server log kept in ${logPath}`);
  else rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
