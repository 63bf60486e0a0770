// Runs jobs against a target and times them the same way on every target: submit, then poll status at a fixed interval.
import { performance } from "node:perf_hooks";
import type { Job, Target } from "./targets.ts";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A measurement that could not finish: the job failed, never completed, or the system refused it. */
export class MeasureError extends Error {}

export interface PollPolicy {
  /** Pause between two status reads of one job. */
  intervalMs: number;
  /** Give up on a job after this long. */
  timeoutMs: number;
}

/** End-to-end milliseconds from the submit request to the status read that first shows `complete`. */
export async function timeOne(target: Target, job: Job, policy: PollPolicy): Promise<number> {
  return (await timeOneBothViews(target, job, policy)).clientMs;
}

/** One job timed both ways: by the client (submit → first status read showing `complete`) and by the engine's own records. */
export interface TwoViews {
  clientMs: number;
  engineMs?: number;
  /** How long the submit request itself took to answer. */
  submitMs: number;
  id: string;
}

export async function timeOneBothViews(target: Target, job: Job, policy: PollPolicy): Promise<TwoViews> {
  const start = performance.now();
  const deadline = Date.now() + policy.timeoutMs;
  const id = await target.submit(job, deadline);
  const submitMs = performance.now() - start;
  for (;;) {
    const status = await target.status(id, deadline);
    const elapsed = performance.now() - start;
    if (status.state === "complete") {
      const views = { clientMs: elapsed, submitMs, id };
      return status.engineMs === undefined ? views : { ...views, engineMs: status.engineMs };
    }
    if (status.state === "failed") throw new MeasureError(status.detail);
    if (elapsed > policy.timeoutMs) {
      throw new MeasureError(`${target.label}: ${describe(job)} ${id} not complete after ${Math.round(elapsed)} ms`);
    }
    await sleep(policy.intervalMs);
  }
}

export interface BurstResult {
  tasks: number;
  elapsedMs: number;
  tasksPerSecond: number;
  /** Time until every submit request had been answered. */
  submittedMs: number;
}

/** Runs `items` with at most `limit` in flight, keeping results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Submits `count` jobs at once (at most `concurrency` requests in flight), then waits for all of them with a cursor:
 * it reads the status of the oldest unfinished job, moves on as soon as that one is complete, and pauses
 * `intervalMs` whenever it finds one still running. The last job seen complete marks the end, so the wait costs
 * about count + rounds status reads instead of count × rounds, and barely loads the system it measures.
 * Throughput is count ÷ time from the first submit to the last completion.
 */
export async function timeBurst(
  target: Target,
  job: Job,
  count: number,
  policy: PollPolicy,
  concurrency: number,
): Promise<BurstResult> {
  const start = performance.now();
  const deadline = Date.now() + policy.timeoutMs;
  const ids = await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    () => target.submit(job, deadline),
  );
  const submittedMs = performance.now() - start;
  let cursor = 0;
  while (cursor < ids.length) {
    const status = await target.status(ids[cursor] as string, deadline);
    const elapsed = performance.now() - start;
    if (status.state === "failed") throw new MeasureError(status.detail);
    if (status.state === "complete") {
      cursor++;
      continue;
    }
    if (elapsed > policy.timeoutMs) {
      throw new MeasureError(
        `${target.label}: ${count - cursor} of ${count} ${describe(job)} tasks not complete after ${Math.round(elapsed)} ms`,
      );
    }
    await sleep(policy.intervalMs);
  }
  const elapsedMs = performance.now() - start;
  return { tasks: count, elapsedMs, tasksPerSecond: (count * 1000) / elapsedMs, submittedMs };
}

export function describe(job: Job): string {
  return job.n === undefined ? job.workload : `${job.workload}(${job.n})`;
}
