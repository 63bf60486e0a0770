import { describe, expect, inject, it } from "vitest";
import { type Fault, runScenario } from "./fault-lab/lab";

const runs = inject("faultRuns");
const firstSeed = inject("faultSeed");

describe("fault injection", () => {
  it(`keeps every invariant across ${runs} seeded scenarios with faults at the platform boundaries`, async () => {
    const faults: Partial<Record<Fault, number>> = {};
    const outcomes: Record<string, number> = {};
    let batches = 0;
    for (let i = 0; i < runs; i++) {
      const report = await runScenario(firstSeed + i);
      if (report.batch) batches += 1;
      outcomes[report.finalState] = (outcomes[report.finalState] ?? 0) + 1;
      for (const [fault, n] of Object.entries(report.faults)) faults[fault as Fault] = (faults[fault as Fault] ?? 0) + n;
    }
    console.log(
      JSON.stringify({ evt: "fault_lab.summary", runs, batch_scenarios: batches, first_seed: firstSeed, outcomes, faults }),
    );
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(runs);
  }, 600_000);
});
