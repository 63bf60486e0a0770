// Samples the resident memory (VmRSS) and the kernel's high-water mark (VmHWM) of workerd processes.
import { readFileSync } from "node:fs";

export interface MemoryReading {
  /** Largest VmRSS seen by the sampler, in bytes. */
  sampledPeakRss: number;
  /** The kernel's peak resident set (VmHWM) at the last reading, in bytes. */
  hwm: number;
  /** VmRSS at the first reading (after start-up, before any workload), in bytes. */
  idleRss: number;
  /**
   * VmHWM read just before the largest fan-out (10,000 branches) started, in bytes: the peak of the
   * workloads both engines run, since Workflows runs that fan-out only on request. Unset when it never ran.
   */
  hwmBeforeLargest?: number;
}

function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return undefined;
  }
}

/** Polls /proc/<pid>/status for a fixed set of processes until stopped. */
export class MemorySampler {
  private readonly readings = new Map<number, MemoryReading>();
  private readonly pids: readonly number[];
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(pids: readonly number[], intervalMs = 250) {
    this.pids = pids;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads every process now and keeps its VmHWM as the peak before the largest fan-out (VmHWM only grows). */
  markBeforeLargest(): void {
    this.sample();
    for (const reading of this.readings.values()) reading.hwmBeforeLargest = reading.hwm;
  }

  /** Takes a last reading (VmHWM must be read before the process exits) and stops. */
  stop(): Map<number, MemoryReading> {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    return this.readings;
  }

  private sample(): void {
    for (const pid of this.pids) {
      const status = readStatus(pid);
      if (!status) continue;
      const previous = this.readings.get(pid);
      this.readings.set(pid, {
        sampledPeakRss: Math.max(previous?.sampledPeakRss ?? 0, status.rss),
        hwm: status.hwm,
        idleRss: previous?.idleRss ?? status.rss,
        ...(previous?.hwmBeforeLargest === undefined ? {} : { hwmBeforeLargest: previous.hwmBeforeLargest }),
      });
    }
  }
}
