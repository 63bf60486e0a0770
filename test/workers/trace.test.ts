import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { ClaimedStep, ClaimRequest, ReportItem, ReportReceipt, StepOutcome, TaskObjectRpc } from "../../src/engine/protocol";
import type { TaskObject } from "../../src/task-object/task-object";
import { TRACE_RPC_EVT, TRACE_STEP_EVT, TRACE_SUBMIT_EVT } from "../../src/trace";
import { createStepConsumer, HandlerRegistry, StepHandler } from "../../src/worker";
import { app } from "./dev-orchestrator";
import { createFromYaml, HELD_TEMPLATE, heldMessage, taskRequest } from "./helpers";

class Noop extends StepHandler {
  static override handlerName = "TraceNoop";
  async call() {
    return { ok: true };
  }
}

/** A task object stand-in that claims every step for the Noop handler and accepts every report. */
class FakeTask implements TaskObjectRpc {
  async claim(stepUuid: string): Promise<ClaimedStep> {
    return {
      task: { task_uuid: "t-1", namespace: "test", name: "trace", version: "1.0.0", correlation_id: "c", context: {} },
      step: {
        step_uuid: stepUuid,
        name: "only",
        type: "standard",
        callable: "TraceNoop",
        initialization: {},
        attempt: 1,
        max_attempts: 1,
        timeout_ms: 5_000,
      },
      dependency_results: {},
    };
  }
  async claimMany(items: readonly ClaimRequest[]): Promise<ClaimedStep[]> {
    return Promise.all(items.map((item) => this.claim(item.step_uuid)));
  }
  async reportMany(items: readonly ReportItem[]): Promise<ReportReceipt[]> {
    return Promise.all(items.map((item) => this.report(item.step_uuid, item.dispatch_id, item.outcome)));
  }
  async report(_stepUuid: string, _dispatchId: string, outcome: StepOutcome): Promise<ReportReceipt> {
    return { accepted: true, step_state: outcome.success ? "complete" : "error" };
  }
}

interface TraceLine {
  evt: string;
  total_ms: number;
  phases: Record<string, number>;
  counts: Record<string, number>;
  phase_counts: Record<string, Record<string, number>>;
  [field: string]: unknown;
}

let logSpy: MockInstance<typeof console.log>;
beforeEach(() => {
  logSpy = vi.spyOn(console, "log");
});
afterEach(() => {
  logSpy.mockRestore();
});

/** Every trace line logged since the spy started. */
function traceLines(): TraceLine[] {
  return logSpy.mock.calls
    .map(([line]) => (typeof line === "string" && line.startsWith("{") ? (JSON.parse(line) as TraceLine) : null))
    .filter(
      (line): line is TraceLine =>
        line !== null && (line.evt === TRACE_STEP_EVT || line.evt === TRACE_RPC_EVT || line.evt === TRACE_SUBMIT_EVT),
    );
}

function expectWellFormed(line: TraceLine, phases: string[]): void {
  expect(line.total_ms).toBeGreaterThanOrEqual(0);
  for (const phase of phases) expect(line.phases[phase], `phase ${phase} in ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0);
  const sum = Object.values(line.phases).reduce((a, b) => a + b, 0);
  // Phases are laps of one clock: together they never exceed the line's total (rounding aside).
  expect(sum).toBeLessThanOrEqual(line.total_ms + 0.01 * Object.keys(line.phases).length);
}

async function consumeOne(tracing: boolean): Promise<void> {
  const consumer = createStepConsumer(new HandlerRegistry().register(Noop), { eager: false });
  const batch = {
    queue: "tasker-steps-test",
    messages: [
      {
        id: "m-1",
        timestamp: new Date(),
        attempts: 1,
        body: { task_uuid: "t-1", step_uuid: "s-1", attempt: 1, dispatch_id: "d-1" },
        ack() {},
        retry() {},
      },
    ],
    ackAll() {},
    retryAll() {},
  } as unknown as MessageBatch<unknown>;
  const workerEnv = { TASKS: { getByName: () => new FakeTask() }, ...(tracing ? { TASKER_TRACE: "1" } : {}) };
  await consumer(batch, workerEnv, {} as ExecutionContext);
}

describe("step tracing in the consumer", () => {
  it("writes nothing when TASKER_TRACE is unset", async () => {
    await consumeOne(false);
    expect(traceLines()).toEqual([]);
    // The consumer's own lines still come: the spy saw the run.
    expect(logSpy).toHaveBeenCalled();
  });

  it("writes one line per message with the claim, handler and report phases when TASKER_TRACE=1", async () => {
    await consumeOne(true);
    const lines = traceLines();
    expect(lines).toHaveLength(1);
    const [line] = lines as [TraceLine];
    expect(line).toMatchObject({ evt: TRACE_STEP_EVT, via: "queue", task_uuid: "t-1", step_uuid: "s-1", step: "only" });
    expectWellFormed(line, ["parse", "claim_wait", "context", "handler", "outcome", "report_wait", "ack"]);
    expect(line.queue_delay_ms).toBeGreaterThanOrEqual(0);
  });
});

type TracedObject = Pick<TaskObject, "claim" | "report">;

/** Claims and reports the held step through a second instance of the task's object built with `objectEnv`. */
async function claimAndReport(tracing: boolean): Promise<void> {
  const task = await createFromYaml(HELD_TEMPLATE);
  const held = await heldMessage(task.task_uuid, "held");
  await runInDurableObject(env.TASKS.getByName(task.task_uuid), async (instance, state) => {
    const own = instance as unknown as { env: object; constructor: new (state: DurableObjectState, env: object) => TracedObject };
    const object = new own.constructor(state, { ...own.env, ...(tracing ? { TASKER_TRACE: "1" } : {}) });
    logSpy.mockClear();
    const claimed = await object.claim(held.step_uuid, held.dispatch_id);
    expect(claimed?.step.name).toBe("held");
    const receipt = await object.report(held.step_uuid, held.dispatch_id, { success: true, result: { ok: 1 } });
    expect(receipt.accepted).toBe(true);
  });
}

describe("step tracing in the task object", () => {
  it("writes nothing when TASKER_TRACE is unset", async () => {
    await claimAndReport(false);
    expect(traceLines()).toEqual([]);
    expect(logSpy).toHaveBeenCalled();
  });

  it("writes one line per claim and report with phases and SQL counts when TASKER_TRACE=1", async () => {
    await claimAndReport(true);
    const lines = traceLines();
    expect(lines.map((l) => l.rpc)).toEqual(["claim", "report"]);
    const [claim, report] = lines as [TraceLine, TraceLine];
    expectWellFormed(claim, ["args", "init", "engine", "store", "commit", "alarm", "assemble"]);
    expectWellFormed(report, ["args", "init", "engine", "store", "index_effect", "outbox_write", "logging", "outbox_send"]);
    for (const line of [claim, report]) {
      expect(line.counts.sql_statements).toBeGreaterThan(0);
      expect(line.counts.rows_written).toBeGreaterThan(0);
      expect(line.counts.transition_rows).toBeGreaterThan(0);
      expect(line.db_bytes).toBeGreaterThan(0);
      // Every counted statement was booked to a phase.
      const byPhase = Object.values(line.phase_counts).reduce((n, c) => n + (c.sql_statements ?? 0), 0);
      expect(byPhase).toBe(line.counts.sql_statements);
    }
    // The claim writes the step's row and its transition; the report also readies the next step.
    expect(claim.phase_counts.store?.rows_written).toBeGreaterThanOrEqual(2);
    expect(report.counts.transition_rows).toBeGreaterThan(claim.counts.transition_rows ?? 0);
  });
});

/** Submits one task through the API app with an env of the test's (no execution context: no eager start). */
async function submitOne(tracing: boolean): Promise<{ task_uuid: string }> {
  const response = await app.request(
    "http://tasker.test/v1/tasks",
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(taskRequest("demo", "flaky_service")),
    },
    { ...env, ...(tracing ? { TASKER_TRACE: "1" } : {}) },
  );
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

describe("submit tracing in the API", () => {
  it("writes nothing when TASKER_TRACE is unset", async () => {
    await submitOne(false);
    expect(traceLines().filter((l) => l.evt === TRACE_SUBMIT_EVT)).toEqual([]);
  });

  it("writes one line per POST /v1/tasks with each awaited phase when TASKER_TRACE=1", async () => {
    const { task_uuid } = await submitOne(true);
    const lines = traceLines().filter((l) => l.evt === TRACE_SUBMIT_EVT);
    expect(lines).toHaveLength(1);
    const [line] = lines as [TraceLine];
    expect(line).toMatchObject({ task_uuid, status: 201 });
    expectWellFormed(line, ["auth_limits", "body", "template", "workflow_scope", "checks", "identity", "create_wait", "answer"]);
  });
});
