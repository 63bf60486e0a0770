import { describe, expect, inject, it } from "vitest";
import { type Fault, runDroppedAnswerScenario, runScenario } from "./fault-lab/lab";
import { runWebhookCrashScenario, WEBHOOK_CRASH_POINTS } from "./fault-lab/webhook-crash";

const runs = inject("faultRuns");
const firstSeed = inject("faultSeed");

describe("fault injection", () => {
  it(`keeps every invariant across ${runs} seeded scenarios with faults at the platform boundaries`, async () => {
    const faults: Partial<Record<Fault, number>> = {};
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    let batches = 0;
    let withWaits = 0;
    for (let i = 0; i < runs; i++) {
      const report = await runScenario(firstSeed + i);
      if (report.batch) batches += 1;
      if (report.waits > 0) withWaits += 1;
      outcomes[report.finalState] = (outcomes[report.finalState] ?? 0) + 1;
      for (const [fault, n] of Object.entries(report.faults)) faults[fault as Fault] = (faults[fault as Fault] ?? 0) + n;
      if (report.problems.length > 0) {
        failures.push(
          `seed ${report.seed} (replay: FAULT_SEED=${report.seed} FAULT_RUNS=1 npm run test:faults):\n  - ${report.problems.join("\n  - ")}`,
        );
      }
    }
    console.log(
      JSON.stringify({
        evt: "fault_lab.summary",
        runs,
        batch_scenarios: batches,
        wait_scenarios: withWaits,
        first_seed: firstSeed,
        failing_seeds: failures.length,
        outcomes,
        faults,
      }),
    );
    expect(failures, `${failures.length} of ${runs} seeds broke invariants:\n${failures.join("\n")}`).toEqual([]);
  }, 600_000);
});

describe("fault injection around a webhook delivery", () => {
  it.each(WEBHOOK_CRASH_POINTS)("delivers at least once when the process dies at %s", async (point) => {
    const report = await runWebhookCrashScenario(point);
    expect(report.problems).toEqual([]);
    // Dying after the endpoint answered but before the answer was recorded sends the delivery twice,
    // under one id (receivers dedupe by it); dying earlier sends it once.
    expect(report.receivedIds).toHaveLength(point === "after_webhook_send" ? 2 : 1);
    expect(report.outcomes).toEqual(point === "after_commit" ? ["delivered"] : ["interrupted", "delivered"]);
  });
});

describe("fault injection: a consumer dies with a report's answer", () => {
  it("recovers the step that answer carried claimed at its deadline, counts the attempt, and completes the task", async () => {
    const report = await runDroppedAnswerScenario();
    expect(report.problems).toEqual([]);
    expect(report.handed).toEqual({ state: "in_progress", attempts: 1 });
    expect(report.afterDeadline).toEqual({ state: "waiting_for_retry", attempts: 1 });
    expect(report.finalState).toBe("complete");
    expect(report.finalAttempts).toBe(2);
    // Handed over claimed with the report, timed out with no report, retried once through the queue.
    expect(report.audit).toEqual([
      ["create", false],
      ["enqueue", true],
      ["start", true],
      ["enqueue_as_error_for_orchestration", false],
      ["wait_for_retry", false],
      ["retry", false],
      ["enqueue", false],
      ["start", false],
      ["enqueue_for_orchestration", false],
      ["complete", false],
    ]);
  });
});
