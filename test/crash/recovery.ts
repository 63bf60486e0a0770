// How long after each restart in-flight work resumed and settled, from the transition times the objects recorded.
import { percentile } from "../../bench/lib/stats.ts";
import type { TaskRecord } from "./objects.ts";
import { isSettledStatus } from "./settle.ts";

export interface Restart {
  /** When the previous runtime was SIGKILLed (epoch ms). */
  killedAt: number;
  /** When the new runtime answered GET /health. */
  readyAt: number;
  /** When the next kill came, if any: work resumed later than this was cut again. */
  nextKillAt: number | null;
}

export interface Spread {
  count: number;
  p50: number;
  max: number;
}

export interface RecoveryReport {
  inFlight: number;
  /** In-flight tasks a client retry woke right after the restart: left out of the times below. */
  woken: number;
  /** In-flight tasks with a transition after the restart (before the next kill). */
  resumed: number;
  resumeMs: Spread | null;
  /** In-flight tasks that reached a settled state after the restart (before the next kill). */
  settled: number;
  settleMs: Spread | null;
  /** The transition that ended the longest wait, so a report can say which timer set it. */
  slowestResume: string | null;
}

function spread(samples: number[]): Spread | null {
  if (samples.length === 0) return null;
  return { count: samples.length, p50: percentile(samples, 50) as number, max: Math.max(...samples) };
}

/** When the task last entered a settled state, if its latest transition is one. */
function settledAt(task: TaskRecord): number | null {
  const last = task.transitions.at(-1);
  return last && isSettledStatus(last.to_state) ? Date.parse(last.recorded_at) : null;
}

/**
 * For one restart: the tasks in flight at the kill before it (created, not yet settled), and for
 * each the time from the restart to its first recorded transition (task or step) and to its
 * settling. Tasks a client retry woke are left out: they say how fast a retry is, not a recovery.
 */
export function recoveryAfter(restart: Restart, tasks: Iterable<TaskRecord>, woken: ReadonlySet<string>): RecoveryReport {
  const resume: number[] = [];
  const settle: number[] = [];
  let inFlight = 0;
  let wokenInFlight = 0;
  let slowest: { waited: number; what: string } | null = null;
  const windowEnd = restart.nextKillAt ?? Number.POSITIVE_INFINITY;
  for (const task of tasks) {
    const settled = settledAt(task);
    if (Date.parse(task.created_at) >= restart.killedAt || (settled !== null && settled < restart.killedAt)) continue;
    inFlight++;
    if (woken.has(task.task_uuid)) {
      wokenInFlight++;
      continue;
    }
    const after = [
      ...task.transitions.map((t) => ({ t, what: `task ${t.from_state}→${t.to_state}` })),
      ...task.steps.flatMap((step) => step.audit.map((t) => ({ t, what: `${step.name} ${t.from_state}→${t.to_state}` }))),
    ]
      .map(({ t, what }) => ({ at: Date.parse(t.recorded_at), what: `${what} (${t.event})` }))
      .filter(({ at }) => at >= restart.killedAt && at < windowEnd)
      .sort((a, b) => a.at - b.at);
    const first = after[0];
    if (first) {
      const waited = Math.max(0, first.at - restart.readyAt);
      if (waited > (slowest?.waited ?? -1)) slowest = { waited, what: `${task.namespace}/${task.name}: ${first.what}` };
      resume.push(waited);
    }
    if (settled !== null && settled < windowEnd) settle.push(Math.max(0, settled - restart.readyAt));
  }
  return {
    inFlight,
    woken: wokenInFlight,
    resumed: resume.length,
    resumeMs: spread(resume),
    settled: settle.length,
    settleMs: spread(settle),
    slowestResume: slowest ? `${(slowest.waited / 1000).toFixed(1)} s: ${slowest.what}` : null,
  };
}
