// The shape of bench/results/latest.json: raw samples per system plus the run's environment.
import type { Environment } from "./environment.ts";
import type { BurstResult } from "./measure.ts";
import type { MemoryReading } from "./memory.ts";

export type Side = "ours" | "baseline" | "floor";

/** A measurement, or why there is none. `partialError` keeps the reason a series stopped early. */
export type Outcome<T> = { ok: true; value: T; partialError?: string } | { ok: false; error: string };

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
    ours: Outcome<{ samples: number[] }>;
    baseline: Outcome<{ samples: number[] }>;
  }[];
  throughput: { workload: "chain3" | "diamond"; tasks: number; ours: Outcome<BurstResult>; baseline: Outcome<BurstResult> }[];
  fanout: { branches: number; steps: number; ours: Outcome<{ samples: number[] }>; baseline: Outcome<{ samples: number[] }> }[];
  memory: Partial<Record<Side, ServerMemory>>;
}
