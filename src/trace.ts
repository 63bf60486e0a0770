// Step-life tracing: wall-time phases and counters of one queue message or RPC, logged as one line, only under TASKER_TRACE=1.
import { log } from "./log";

/** The Worker var that turns tracing on (`TASKER_TRACE=1`); anything else, or unset, leaves it off. */
export const TRACE_VAR = "TASKER_TRACE";

/**
 * Whether an env turns tracing on. Callers read it once (per consumer batch, per object) and hold
 * either a `Trace` or null, so with tracing off every trace call is a `trace?.…` on null: no clock
 * read, no allocation, no log line.
 */
export function tracingOn(env: unknown): boolean {
  return typeof env === "object" && env !== null && (env as Record<string, unknown>)[TRACE_VAR] === "1";
}

/** Something that counts work as it happens (the object's SQL meter); a lap books what it counted since the last. */
export interface TraceCounter {
  /** The counts since the previous call, by name; the counter starts again from zero. */
  take(): Readonly<Record<string, number>>;
}

/** Milliseconds with microsecond precision kept (locally workerd's clock runs freely; deployed, it advances at I/O only). */
const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * One traced unit of work. `lap(phase)` ends the current phase: the time since the previous lap (and
 * whatever the counter counted) is booked to `phase`. Phases repeat freely; their times add up.
 */
export class Trace {
  private readonly startedAt: number;
  private last: number;
  private readonly phases: Record<string, number> = {};
  private readonly counts: Record<string, number> = {};
  private readonly phaseCounts: Record<string, Record<string, number>> = {};

  constructor(
    private readonly evt: string,
    private readonly fields: Record<string, unknown>,
    private readonly counter: TraceCounter | null = null,
  ) {
    this.startedAt = performance.now();
    this.last = this.startedAt;
    counter?.take();
  }

  lap(phase: string): void {
    const now = performance.now();
    this.phases[phase] = (this.phases[phase] ?? 0) + (now - this.last);
    this.last = now;
    if (!this.counter) return;
    for (const [name, n] of Object.entries(this.counter.take())) {
      if (n === 0) continue;
      this.counts[name] = (this.counts[name] ?? 0) + n;
      const byPhase = this.phaseCounts[phase] ?? {};
      byPhase[name] = (byPhase[name] ?? 0) + n;
      this.phaseCounts[phase] = byPhase;
    }
  }

  /** Adds to a counter of the whole unit (rows in a receipt, eager steps handed back). */
  count(name: string, n = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + n;
  }

  /** Adds a field to the line (a step's uuid, once known). */
  note(field: string, value: unknown): void {
    this.fields[field] = value;
  }

  /** Writes the line: `total_ms`, `phases` (ms by phase, in the order first seen), `counts` and counts by phase. */
  end(): void {
    const total = performance.now() - this.startedAt;
    const phases: Record<string, number> = {};
    for (const [phase, ms] of Object.entries(this.phases)) phases[phase] = round(ms);
    log("info", this.evt, {
      ...this.fields,
      total_ms: round(total),
      phases,
      counts: this.counts,
      phase_counts: this.phaseCounts,
    });
  }
}

/** The log events a trace writes: one per queue message or eager step in the consumer, one per RPC in the task object. */
export const TRACE_STEP_EVT = "trace.step";
export const TRACE_RPC_EVT = "trace.rpc";
/** The log event of one task submission (`POST /v1/tasks`) in the API Worker. */
export const TRACE_SUBMIT_EVT = "trace.submit";
