// The benchmark report's memory rows: the compared peak covers the same workloads on both engines.
import { describe, expect, it } from "vitest";
import { renderResults } from "./report.ts";
import type { BenchResults } from "./results.ts";

const MiB = 2 ** 20;

function results(fanout: BenchResults["fanout"], memory: BenchResults["memory"]): BenchResults {
  return {
    meta: {
      date: "2026-11-30T00:00:00.000Z",
      node: "v22.0.0",
      wrangler: "4",
      miniflare: "5",
      nproc: 2,
      cpuModel: "test",
      memoryGiB: 8,
      loadAverageAtStart: [0, 0, 0],
      commit: "abc1234",
      platform: "linux-x64",
      mode: "full",
      seed: 1,
      inspector: false,
      workerd: {},
      startupMs: 1,
      pollIntervalMs: 10,
      burstPollIntervalMs: 10,
      clientConcurrency: 32,
    },
    startErrors: {},
    latency: [],
    throughput: [],
    fanout,
    memory,
  };
}

const runtime = (hwm: number, idle: number, before?: number) => ({
  runtime: {
    pid: 1,
    sampledPeakRss: hwm * MiB,
    hwm: hwm * MiB,
    idleRss: idle * MiB,
    ...(before === undefined ? {} : { hwmBeforeLargest: before * MiB }),
  },
});

const rowOf = (markdown: string, start: string) => markdown.split("\n").find((line) => line.startsWith(`| ${start}`));

describe("the benchmark report's memory rows", () => {
  it("compares the peaks read before the 10,000 fan-out, and gives the peak with it as a row of its own", () => {
    const markdown = renderResults(
      results(
        [
          {
            branches: 10_000,
            steps: 10_002,
            ours: { ok: true, value: { samples: [45_000] } },
            baseline: { ok: false, error: "not run by default: use --with-10k" },
          },
        ],
        { ours: runtime(1400, 170, 800), baseline: runtime(900, 130, 900) },
      ),
    );
    expect(rowOf(markdown, "peak RSS of the runtime workerd over the same workloads")).toBe(
      "| peak RSS of the runtime workerd over the same workloads on both (VmHWM read before the 10,000 fan-out) (MiB) | 800 | 900 | 0.89× | lower |",
    );
    expect(rowOf(markdown, "peak RSS of the runtime workerd including the 10,000 fan-out")).toBe(
      "| peak RSS of the runtime workerd including the 10,000 fan-out, VmHWM (MiB) | 1400 | n/a [1] | – | lower |",
    );
  });

  it("reports the whole run's peak when no 10,000 fan-out ran (a quick run)", () => {
    const markdown = renderResults(results([], { ours: runtime(700, 170), baseline: runtime(800, 130) }));
    expect(rowOf(markdown, "peak RSS of the runtime workerd, VmHWM (MiB)")).toBe(
      "| peak RSS of the runtime workerd, VmHWM (MiB) | 700 | 800 | 0.88× | lower |",
    );
    expect(rowOf(markdown, "peak RSS of the runtime workerd including")).toBeUndefined();
  });
});
