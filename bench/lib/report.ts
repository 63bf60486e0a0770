// Renders the results as Markdown tables and writes them into BENCHMARKS.md between the results markers.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { BenchResults, Outcome, ServerMemory, TimedSeries } from "./results.ts";
import { logLogSlope, median, percentile, summarize } from "./stats.ts";

export const START_MARKER = "<!-- bench:results:start -->";
export const END_MARKER = "<!-- bench:results:end -->";

type Cell = number | string | undefined;

class Notes {
  readonly items: string[] = [];
  /** Records why a cell is empty and returns the cell text pointing at the note. */
  add(text: string): string {
    const short = text.split("\n")[0]?.slice(0, 400) ?? text;
    let index = this.items.indexOf(short);
    if (index < 0) index = this.items.push(short) - 1;
    return `n/a [${index + 1}]`;
  }
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const seconds = (x: number) => (x / 1000).toFixed(2);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function ratio(ours: Cell, baseline: Cell): string {
  return typeof ours === "number" && typeof baseline === "number" && baseline > 0 ? `${(ours / baseline).toFixed(2)}×` : "–";
}

function show(cell: Cell, format: (x: number) => string): string {
  if (cell === undefined) return "–";
  return typeof cell === "number" ? format(cell) : cell;
}

/** The value of an outcome, or a note explaining its absence. */
function value<T>(outcome: Outcome<T> | undefined, notes: Notes, pick: (v: T) => number | undefined): Cell {
  if (!outcome) return undefined;
  if (!outcome.ok) return notes.add(outcome.error);
  return pick(outcome.value);
}

function partial<T>(outcome: Outcome<T>, notes: Notes): string {
  return outcome.ok && outcome.partialError ? ` (${notes.add(`series stopped early: ${outcome.partialError}`)})` : "";
}

function memoryCell(memory: ServerMemory | undefined, role: "runtime" | "proxy", key: "hwm" | "idleRss"): Cell {
  const reading = memory?.[role];
  return reading ? reading[key] : undefined;
}

/** The runtime's peak before the 10,000 fan-out (the whole run's peak when that fan-out never ran). */
function comparedPeak(memory: ServerMemory | undefined): Cell {
  const reading = memory?.runtime;
  return reading ? (reading.hwmBeforeLargest ?? reading.hwm) : undefined;
}

export function renderResults(results: BenchResults): string {
  const notes = new Notes();
  const m = results.meta;
  const lines: string[] = [];
  const row = (
    measure: string,
    ours: Cell,
    baseline: Cell,
    format: (x: number) => string,
    better: "lower" | "higher",
    extra = "",
  ) =>
    lines.push(
      `| ${measure} | ${show(ours, format)}${extra} | ${show(baseline, format)} | ${ratio(ours, baseline)} | ${better} |`,
    );

  lines.push(
    `Run: ${m.date} · mode \`${m.mode}\` · seed ${m.seed} · inspector ${m.inspector ? "on" : "off"} · commit ${m.commit ?? "unknown"} · ${Math.round((m.durationMs ?? 0) / 1000)} s`,
  );
  if (m.engineConfig) lines.push("", `Engine under test: \`${m.engineConfig}\` (BENCH_ENGINE_CONFIG), not this checkout.`);
  lines.push("");
  lines.push(
    `Versions: Node ${m.node} · wrangler ${m.wrangler ?? "?"} · miniflare ${m.miniflare ?? "?"} · ${m.workerd.version ?? "workerd ?"}` +
      `${m.workerd.package ? ` (package ${m.workerd.package})` : ""}`,
  );
  lines.push(
    `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.platform} · load average at start ${m.loadAverageAtStart.join(" / ")}` +
      `, at end ${(m.loadAverageAtEnd ?? []).join(" / ")}`,
  );
  lines.push("");
  /** The engine-recorded view of a latency series (start → end by the engine's own clock), beside the client's. */
  const engineRows = (name: string, entry: { ours: Outcome<TimedSeries>; baseline: Outcome<TimedSeries> }, steps: number) => {
    const engine =
      (q: number, per = 1) =>
      (v: TimedSeries) =>
        v.engineSamples
          ? percentile(
              v.engineSamples.map((s) => s / per),
              q,
            )
          : undefined;
    row(
      `${name}: engine-recorded p50 (ms)`,
      value(entry.ours, notes, engine(50)),
      value(entry.baseline, notes, engine(50)),
      ms,
      "lower",
    );
    row(
      `${name}: engine-recorded p95 (ms)`,
      value(entry.ours, notes, engine(95)),
      value(entry.baseline, notes, engine(95)),
      ms,
      "lower",
    );
    row(
      `${name}: engine-recorded per step p50 (ms/step)`,
      value(entry.ours, notes, engine(50, steps)),
      value(entry.baseline, notes, engine(50, steps)),
      ms,
      "lower",
    );
  };

  lines.push("| Measure | tasker-edge | Workflows | ours ÷ Workflows | better |");
  lines.push("|---|---:|---:|---:|---|");

  for (const entry of results.latency) {
    const name = `${entry.workload} (${entry.steps} steps), one at a time`;
    const p = (q: number) => (v: { samples: number[] }) => percentile(v.samples, q);
    const perStep = (q: number) => (v: { samples: number[] }) =>
      percentile(
        v.samples.map((s) => s / entry.steps),
        q,
      );
    const count = entry.ours.ok ? entry.ours.value.samples.length : entry.baseline.ok ? entry.baseline.value.samples.length : 0;
    row(
      `${name}: e2e p50 (ms), n=${count}`,
      value(entry.ours, notes, p(50)),
      value(entry.baseline, notes, p(50)),
      ms,
      "lower",
      partial(entry.ours, notes),
    );
    row(`${name}: e2e p95 (ms)`, value(entry.ours, notes, p(95)), value(entry.baseline, notes, p(95)), ms, "lower");
    engineRows(name, entry, entry.steps);
    row(
      `${name}: per-step overhead p50 (ms/step)`,
      value(entry.ours, notes, perStep(50)),
      value(entry.baseline, notes, perStep(50)),
      ms,
      "lower",
    );
    row(
      `${name}: per-step overhead p95 (ms/step)`,
      value(entry.ours, notes, perStep(95)),
      value(entry.baseline, notes, perStep(95)),
      ms,
      "lower",
    );
  }

  for (const entry of results.throughput) {
    const pick = (v: { tasksPerSecond: number }) => v.tasksPerSecond;
    row(
      `throughput: ${entry.tasks} × ${entry.workload} submitted at once (tasks/s)`,
      value(entry.ours, notes, pick),
      value(entry.baseline, notes, pick),
      (x) => x.toFixed(1),
      "higher",
    );
    const elapsed = (v: { elapsedMs: number }) => v.elapsedMs;
    row(
      `  time until all ${entry.tasks} complete (s)`,
      value(entry.ours, notes, elapsed),
      value(entry.baseline, notes, elapsed),
      seconds,
      "lower",
    );
  }

  const points: Record<"ours" | "baseline", { size: number; time: number }[]> = { ours: [], baseline: [] };
  for (const entry of results.fanout) {
    const med = (v: { samples: number[] }) => median(v.samples);
    const runs = Math.max(
      entry.ours.ok ? entry.ours.value.samples.length : 0,
      entry.baseline.ok ? entry.baseline.value.samples.length : 0,
    );
    const n = entry.branches.toLocaleString("en-US");
    const shape = entry.branches === 100 ? `root → ${n} parallel → join` : `batchable root → ${n} batch workers → convergence`;
    const label = `fan-out ${n}: ${shape} (${entry.steps.toLocaleString("en-US")} steps)`;
    row(
      `${label}: time to complete${runs > 0 ? `, median of ${runs}` : ""} (s)`,
      value(entry.ours, notes, med),
      value(entry.baseline, notes, med),
      seconds,
      "lower",
      partial(entry.ours, notes),
    );
    const engineMed = (v: TimedSeries) => (v.engineSamples ? median(v.engineSamples) : undefined);
    row(
      `${label}: engine-recorded time to complete, median (s)`,
      value(entry.ours, notes, engineMed),
      value(entry.baseline, notes, engineMed),
      seconds,
      "lower",
    );
    for (const side of ["ours", "baseline"] as const) {
      const outcome = entry[side];
      const time = outcome.ok ? median(outcome.value.samples) : undefined;
      if (time !== undefined) points[side].push({ size: entry.branches, time });
    }
  }
  const slope = (side: "ours" | "baseline") => logLogSlope(points[side]);
  const sizes = (side: "ours" | "baseline") => points[side].map((p) => p.size.toLocaleString("en-US")).join(" → ");
  row(
    `fan-out scaling exponent, log-log slope of time vs branches (ours ${sizes("ours") || "–"}; Workflows ${sizes("baseline") || "–"})`,
    slope("ours") ?? notes.add("needs both fan-out sizes"),
    slope("baseline") ?? notes.add("needs both fan-out sizes"),
    (x) => x.toFixed(2),
    "lower",
  );

  const mem = results.memory;
  const largest = results.fanout.find((entry) => entry.branches > 1_000);
  row(
    largest
      ? `peak RSS of the runtime workerd over the same workloads on both (VmHWM read before the ${largest.branches.toLocaleString("en-US")} fan-out) (MiB)`
      : "peak RSS of the runtime workerd, VmHWM (MiB)",
    comparedPeak(mem.ours),
    comparedPeak(mem.baseline),
    mib,
    "lower",
  );
  if (largest) {
    const ran = (side: "ours" | "baseline") => largest[side].ok;
    row(
      `peak RSS of the runtime workerd including the ${largest.branches.toLocaleString("en-US")} fan-out, VmHWM (MiB)`,
      ran("ours") ? memoryCell(mem.ours, "runtime", "hwm") : value(largest.ours, notes, () => undefined),
      ran("baseline") ? memoryCell(mem.baseline, "runtime", "hwm") : value(largest.baseline, notes, () => undefined),
      mib,
      "lower",
    );
  }
  row(
    "RSS of the runtime workerd after start-up (MiB)",
    memoryCell(mem.ours, "runtime", "idleRss"),
    memoryCell(mem.baseline, "runtime", "idleRss"),
    mib,
    "lower",
  );
  row(
    "peak RSS of wrangler's proxy workerd, VmHWM (MiB)",
    memoryCell(mem.ours, "proxy", "hwm"),
    memoryCell(mem.baseline, "proxy", "hwm"),
    mib,
    "lower",
  );

  lines.push("");
  lines.push("Platform floor: one bare queue hop plus one Durable Object RPC (`bench/floor/`), timed like a task.");
  lines.push("");
  lines.push("| Measure | value |");
  lines.push("|---|---:|");
  const labels = { fresh: "to a fresh object (a task's first step)", warm: "to one warm object (a task's later steps)" } as const;
  const floorP50: Partial<Record<"fresh" | "warm", number>> = {};
  for (const variant of ["fresh", "warm"] as const) {
    const series = results.floor?.[variant];
    const summary = series ? summarize(series.samples) : undefined;
    if (!summary) {
      const reason = series?.error ?? results.startErrors.floor ?? "not measured";
      lines.push(`| hop ${labels[variant]} | ${notes.add(reason)} |`);
      continue;
    }
    floorP50[variant] = summary.p50;
    lines.push(
      `| HTTP → send → consumer → DO RPC → observed complete, ${labels[variant]}: p50 (ms), n=${summary.count} | ${ms(summary.p50)} |`,
    );
    lines.push(`| same, p95 (ms) | ${ms(summary.p95)} |`);
  }
  const chain = results.latency.find((l) => l.workload === "chain3");
  const floorChain = floorP50.fresh !== undefined && floorP50.warm !== undefined ? floorP50.fresh + 2 * floorP50.warm : undefined;
  if (floorChain !== undefined) {
    lines.push(`| floor for a 3-step chain: fresh hop p50 + 2 × warm hop p50 (ms) | ${ms(floorChain)} |`);
    for (const side of ["ours", "baseline"] as const) {
      const outcome = chain?.[side];
      const p50 = outcome?.ok ? percentile(outcome.value.samples, 50) : undefined;
      const label = side === "ours" ? "tasker-edge" : "Workflows";
      lines.push(`| ${label} chain3 e2e p50 ÷ that floor | ${p50 === undefined ? "–" : `${(p50 / floorChain).toFixed(2)}×`} |`);
    }
  }
  lines.push(`| RSS of the floor's runtime workerd, VmHWM (MiB) | ${show(memoryCell(mem.floor, "runtime", "hwm"), mib)} |`);

  for (const [side, error] of Object.entries(results.startErrors)) {
    if (error) notes.add(`${side} did not start: ${error.replace(/\s+/g, " ")}`);
  }
  if (notes.items.length > 0) {
    lines.push("");
    lines.push("Notes:");
    lines.push("");
    notes.items.forEach((note, i) => {
      lines.push(`${i + 1}. ${note.replace(/\|/g, "\\|")}`);
    });
  }
  return lines.join("\n");
}

const SKELETON = `# Benchmarks

Regenerate the section below with \`npm run bench\` (or \`npm run bench -- --quick\`).

## Results

${START_MARKER}
${END_MARKER}
`;

/** Replaces the results section of BENCHMARKS.md (creating the file if needed) and returns the new section. */
export function writeReport(path: string, results: BenchResults): string {
  const section = renderResults(results);
  const current = existsSync(path) ? readFileSync(path, "utf8") : SKELETON;
  const start = current.indexOf(START_MARKER);
  const end = current.indexOf(END_MARKER);
  const base = start >= 0 && end > start ? current : `${current.trimEnd()}\n\n## Results\n\n${START_MARKER}\n${END_MARKER}\n`;
  const s = base.indexOf(START_MARKER);
  const e = base.indexOf(END_MARKER);
  writeFileSync(path, `${base.slice(0, s + START_MARKER.length)}\n${section}\n${base.slice(e)}`);
  return section;
}
