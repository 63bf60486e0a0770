// The shape of bench/results/latest.json: raw samples per system plus the run's environment.
import type { Environment } from "./environment.ts";
import type { BurstResult } from "./measure.ts";
import type { MemoryReading } from "./memory.ts";

export type Side = "ours" | "baseline" | "floor";

/** A measurement, or why there is none. `partialError` keeps the reason a series stopped early. */
export type Outcome<T> = { ok: true; value: T; partialError?: string } | { ok: false; error: string };

/**
 * Client-observed times (`samples`) and, where the engine recorded them, its own start → end times
 * (`engineSamples`, same runs, same order; missing when a system did not say).
 */
export interface TimedSeries {
  samples: number[];
  engineSamples?: number[];
}

export type ServerMemory = Partial<Record<"runtime" | "proxy", { pid: number } & MemoryReading>>;

export interface BenchResults {
  meta: Environment & {
    mode: "full" | "quick";
    seed: number;
    inspector: boolean;
    /** Set when BENCH_ENGINE_CONFIG pointed the run at another checkout of the engine. */
    engineConfig?: string | undefined;
    workerd: { binary?: string; version?: string; package?: string };
    startupMs: number;
    pollIntervalMs: number;
    burstPollIntervalMs: number;
    clientConcurrency: number;
    loadAverageAtEnd?: number[];
    durationMs?: number;
  };
  startErrors: Partial<Record<Side, string>>;
  /** Hops to a fresh object per hop (like a task's first step) and to one warm object (like its later steps). */
  floor?: Record<"fresh" | "warm", { samples: number[]; error?: string | undefined }>;
  latency: {
    workload: "chain3" | "diamond";
    steps: number;
    ours: Outcome<TimedSeries>;
    baseline: Outcome<TimedSeries>;
  }[];
  throughput: { workload: "chain3" | "diamond"; tasks: number; ours: Outcome<BurstResult>; baseline: Outcome<BurstResult> }[];
  fanout: { branches: number; steps: number; ours: Outcome<TimedSeries>; baseline: Outcome<TimedSeries> }[];
  memory: Partial<Record<Side, ServerMemory>>;
}
