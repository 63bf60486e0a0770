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
 * When a round's kill comes, counted from the start of the burst (while creates are in flight:
 * committed, dispatching, arming alarms) or from its last answer (among eager steps, retries,
 * batch workers and child tasks being started). Both delays are seeded.
 */
export interface KillMoment {
  after: "burst_start" | "last_answer";
  delayMs: number;
}

export function pickKillMoment(random: Random, round: number, delay: { minMs: number; maxMs: number }): KillMoment {
  // Round 1 (the big batch at its head) dies among its creates and round 2 after its burst; later rounds draw.
  const amongCreates = round === 1 ? true : round === 2 ? false : random() < 0.5;
  const delayMs = Math.round(delay.minMs + random() * (delay.maxMs - delay.minMs));
  return { after: amongCreates ? "burst_start" : "last_answer", delayMs };
}

export interface KillReport {
  round: number;
  moment: KillMoment;
  killedAt: number;
  /** Submissions answered before the kill, cut off by it (to retry after the restart), and never sent (carried over). */
  answered: number;
  cut: number;
  unsent: number;
  /** From the start of the burst to the kill. */
  burstMs: number;
}

/** Submits a round's tasks and SIGKILLs the runtime's process group at the round's moment, whatever is in flight. */
export async function burstThenKill(
  runtime: Runtime,
  round: number,
  list: readonly Submission[],
  moment: KillMoment,
): Promise<KillReport & { rest: Submission[] }> {
  const api = new Api(runtime.url);
  const queue = [...list];
  const began = Date.now();
  let killing = false;
  let answered = 0;
  let cut = 0;
  const submitter = async () => {
    while (!killing) {
      const entry = queue.shift();
      if (!entry) return;
      if ((await submit(api, entry, null)) === "cut") cut++;
      else answered++;
    }
  };
  const burst = Promise.all(Array.from({ length: BURST_CONCURRENCY }, submitter));
  if (moment.after === "last_answer") await burst;
  await new Promise((resolve) => setTimeout(resolve, moment.delayMs));
  const burstMs = Date.now() - began;
  killing = true;
  const killedAt = Date.now();
  await killRuntime(runtime.pid);
  await burst;
  return { round, moment, killedAt, answered, cut, unsent: queue.length, burstMs, rest: queue };
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
