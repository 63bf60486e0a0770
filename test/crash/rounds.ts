// One round of the crash test: a burst of submissions, a SIGKILL of the runtime at a seeded moment, and client retries after the restart.
import type { Random } from "../../bench/lib/prng.ts";
import { Api, mapLimit } from "./http.ts";
import { killRuntime, type Runtime } from "./runtime.ts";
import { type Submission, submit } from "./workload.ts";

/** Submissions in flight at once: a burst is sent all at once, as a busy client would. */
export const BURST_CONCURRENCY = 64;
/** Client retries after a restart go at a gentler pace. */
const RETRY_CONCURRENCY = 8;

/**
 * When a round's kill comes. Among creates: a seeded fraction of the runtime's pace (how long the
 * last fully answered burst took to answer half its submissions) after the burst starts, while
 * creates are committing, dispatching and arming alarms; a fixed delay would land before the
 * first commit on a slow machine and after the last answer on a fast one. In the aftermath: a
 * seeded delay after the burst's last answer, among eager steps, retries, batch workers and child
 * tasks being started.
 */
export type KillMoment = { among: "creates"; paceFraction: number } | { among: "aftermath"; delayMs: number };

/** The share of the pace a kill among creates may come at: from early commits to the first answers. */
const PACE_FRACTION = { min: 0.25, max: 1.1 };

export function pickKillMoment(random: Random, round: number, aftermath: { minMs: number; maxMs: number }): KillMoment {
  // Round 1 (the big batch at its head) dies among its creates and round 2 after its burst; later rounds draw.
  const amongCreates = round === 1 ? true : round === 2 ? false : random() < 0.5;
  const share = random();
  if (amongCreates)
    return { among: "creates", paceFraction: PACE_FRACTION.min + share * (PACE_FRACTION.max - PACE_FRACTION.min) };
  return { among: "aftermath", delayMs: Math.round(aftermath.minMs + share * (aftermath.maxMs - aftermath.minMs)) };
}

export interface BurstReport {
  /** Submissions answered, cut off by the kill (to retry after the restart), and never sent (carried over). */
  answered: number;
  cut: number;
  unsent: number;
  /** From the start of the burst to the answer of half its submissions; null if the kill came first. */
  medianAnswerMs: number | null;
}

export interface KillReport extends BurstReport {
  round: number;
  moment: KillMoment;
  /** From the start of the burst to the kill. */
  delayMs: number;
  killedAt: number;
}

/** Sends a list all at once; `stop()` keeps what was not sent yet from going out. */
function sendBurst(api: Api, list: readonly Submission[]) {
  const queue = [...list];
  const began = Date.now();
  const report: BurstReport = { answered: 0, cut: 0, unsent: 0, medianAnswerMs: null };
  let stopped = false;
  const submitter = async () => {
    while (!stopped) {
      const entry = queue.shift();
      if (!entry) return;
      if ((await submit(api, entry, null)) === "cut") report.cut++;
      else {
        report.answered++;
        if (report.answered === Math.ceil(list.length / 2)) report.medianAnswerMs = Date.now() - began;
      }
    }
  };
  const done = Promise.all(Array.from({ length: BURST_CONCURRENCY }, submitter)).then(() => {
    report.unsent = queue.length;
    return report;
  });
  const stop = () => {
    stopped = true;
  };
  return { began, done, rest: queue, stop };
}

/** A burst awaited to its last answer, with no kill: it warms the runtime up and measures its pace. */
export async function warmUp(runtime: Runtime, list: readonly Submission[]): Promise<BurstReport> {
  return sendBurst(new Api(runtime.url), list).done;
}

/** Submits a round's tasks and SIGKILLs the runtime's process group at the round's moment, whatever is in flight. */
export async function burstThenKill(
  runtime: Runtime,
  round: number,
  list: readonly Submission[],
  moment: KillMoment,
  paceMs: number,
): Promise<KillReport & { rest: Submission[] }> {
  const burst = sendBurst(new Api(runtime.url), list);
  if (moment.among === "aftermath") await burst.done;
  const wait = moment.among === "creates" ? Math.round(moment.paceFraction * paceMs) : moment.delayMs;
  await new Promise((resolve) => setTimeout(resolve, wait));
  burst.stop();
  const killedAt = Date.now();
  await killRuntime(runtime.pid);
  const report = await burst.done;
  return { ...report, round, moment, delayMs: killedAt - burst.began, killedAt, rest: burst.rest };
}

/** Client retries of the submissions a kill cut off; a 409 means the task existed, and the retry woke its object. */
export async function retryCut(
  runtime: Runtime,
  entries: readonly Submission[],
  restart: number,
): Promise<{ retried: number; found: number }> {
  const api = new Api(runtime.url);
  const cut = entries.filter((entry) => entry.outcomes.at(-1)?.outcome === "cut");
  let found = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    const pending = cut.filter((entry) => entry.outcomes.at(-1)?.outcome === "cut");
    if (pending.length === 0) break;
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    const outcomes = await mapLimit(pending, RETRY_CONCURRENCY, (entry) => submit(api, entry, restart));
    found += outcomes.filter((outcome) => outcome === "duplicate").length;
  }
  return { retried: cut.length, found };
}
