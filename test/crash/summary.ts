// What the crash test found, as a JSON report and a short printed summary.
import type { SettleBound } from "./bound.ts";
import { describeStranded, type Violation } from "./checks.ts";
import type { TaskRecord } from "./objects.ts";
import type { RecoveryReport, Spread } from "./recovery.ts";
import type { KillReport } from "./rounds.ts";

export interface Summary {
  seed: number;
  kills: KillReport[];
  /** When each restarted runtime answered (epoch ms), to line the report up with the objects' transition times. */
  readyAt: number[];
  restartMs: number[];
  retries: { restart: number; retried: number; found: number }[];
  tasks: { roots: number; children: number; steps: number; notSent: number };
  statuses: Record<string, number>;
  stranded: { total: number; untouched: number; touched: number };
  /** Every task read from the objects, by where it stands (see `verdictOf`). */
  verdicts: Record<string, number>;
  settleBound: SettleBound;
  settledAfterMs: number | null;
  recovery: RecoveryReport[];
  violations: Record<string, number>;
  elapsedMs: number;
}

export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const spread = (s: Spread | null) => (s ? `p50 ${seconds(s.p50)}, max ${seconds(s.max)}` : "none");

export function printSummary(
  summary: Summary,
  details: {
    stranded: TaskRecord[];
    touched: ReadonlySet<string>;
    records: ReadonlyMap<string, TaskRecord>;
    violations: Violation[];
    reportPath: string;
  },
): void {
  const lines = [
    "",
    "=== crash test summary ===",
    `seed ${summary.seed} (CRASH_SEED); ${summary.kills.length} kills (SIGKILL of the runtime's process group)`,
    ...summary.kills.map(
      (k) =>
        `  kill ${k.round}: ${k.moment.among === "creates" ? `among creates (${k.moment.paceFraction.toFixed(2)} × pace)` : `${k.moment.delayMs} ms after the burst`}` +
        `, ${seconds(k.delayMs)} into the burst: ${k.answered} answered, ${k.cut} cut off, ${k.unsent} not sent`,
    ),
    `restart to ready: ${summary.restartMs.map(seconds).join(", ")}`,
    `tasks: ${summary.tasks.roots} submitted, ${summary.tasks.children} child tasks, ${summary.tasks.steps} steps; by state ${JSON.stringify(summary.statuses)}`,
    `client retries of cut-off submissions: ${summary.retries.reduce((n, r) => n + r.retried, 0)}; ${details.touched.size} found their task already there (the retry woke its object)`,
    `settle bound: ${summary.settleBound.explanation}`,
    summary.settledAfterMs !== null
      ? `settled: every task, ${seconds(summary.settledAfterMs)} after the last restart`
      : `NOT SETTLED within the bound; stranded tasks: ${summary.stranded.total} (${summary.stranded.untouched} untouched after the restarts, ${summary.stranded.touched} woken by a client retry)`,
    ...summary.recovery.map((r, i) => {
      const last = i === summary.recovery.length - 1;
      return (
        `restart ${i + 1}${last ? " (last)" : ""}: ${r.inFlight} tasks in flight at the kill, ${r.woken} of them woken by a retry; of the others, first transition after the restart: ` +
        `${r.resumed} (${spread(r.resumeMs)}); settled: ${r.settled} (${spread(r.settleMs)})${last ? "" : ", before the next kill"}` +
        (last && r.slowestResume ? `\n  the longest wait ended with ${r.slowestResume}` : "")
      );
    }),
    `where the tasks stand: ${JSON.stringify(summary.verdicts)}`,
    ...details.stranded.slice(0, 8).map((task) => {
      const how = details.touched.has(task.task_uuid) ? " [woken by a client retry]" : "";
      return `  stranded ${task.task_uuid}: ${describeStranded(task, details.records)}${how}`;
    }),
    ...details.violations
      .filter((v) => v.check !== "settled")
      .slice(0, 20)
      .map((v) => `  violation ${v.check} ${v.task_uuid}: ${v.detail}`),
    details.violations.length === 0
      ? "PASS: every task settled untouched, no check violated"
      : `FAIL: ${JSON.stringify(summary.violations)}`,
    `report: ${details.reportPath}; ${seconds(summary.elapsedMs)} in all`,
  ];
  console.log(lines.join("\n"));
}
