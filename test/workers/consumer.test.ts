import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type {
  ClaimedStep,
  ClaimRequest,
  ReportItem,
  ReportReceipt,
  StepMessage,
  StepOutcome,
  TaskObjectRpc,
} from "../../src/engine/protocol";
import { createStepConsumer, HandlerRegistry, PermanentError, type StepContext, StepHandler } from "../../src/worker";
import { coalescingReports } from "../../src/worker/consumer";

const TASK = "0193a0c4-1111-7000-8000-000000000001";

/** How the fake task object answers one step's claim. */
type ClaimScript = { callable: string; timeoutMs?: number } | "stale" | "unreachable";

/** A stand-in for the task object's RPC stub that records every claim and report it receives. */
class FakeTaskObject implements TaskObjectRpc {
  readonly claims: { stepUuid: string; dispatchId: string }[] = [];
  /** Each claimMany call's items. */
  readonly claimManyCalls: ClaimRequest[][] = [];
  /** Each reportMany call's steps. */
  readonly reportManyCalls: string[][] = [];
  readonly reports: { stepUuid: string; dispatchId: string; outcome: StepOutcome }[] = [];
  reportFails = false;
  /** Answers claimMany as an object of an earlier release would: it has no such method. */
  withoutClaimMany = false;
  private readonly claimed = new Set<string>();

  constructor(private readonly script: Record<string, ClaimScript>) {}

  async claim(stepUuid: string, dispatchId: string): Promise<ClaimedStep | null> {
    this.claims.push({ stepUuid, dispatchId });
    return this.claimOne(stepUuid, dispatchId);
  }

  async claimMany(items: readonly ClaimRequest[]): Promise<(ClaimedStep | null)[]> {
    if (this.withoutClaimMany) throw new TypeError('The RPC receiver does not implement the method "claimMany".');
    this.claimManyCalls.push([...items]);
    if (items.some((item) => this.script[item.step_uuid] === "unreachable")) {
      throw new Error("Durable Object reset because its code was updated");
    }
    return items.map((item) => this.claimOne(item.step_uuid, item.dispatch_id));
  }

  /** A dispatch is claimed once: a second claim of it (a duplicate message) gets null. */
  private claimOne(stepUuid: string, dispatchId: string): ClaimedStep | null {
    const plan = this.script[stepUuid];
    if (plan !== "unreachable" && plan !== "stale" && plan !== undefined) {
      if (this.claimed.has(dispatchId)) return null;
      this.claimed.add(dispatchId);
    }
    if (plan === undefined || plan === "stale") return null;
    if (plan === "unreachable") throw new Error("Durable Object reset because its code was updated");
    return {
      task: {
        task_uuid: TASK,
        namespace: "test",
        name: "consumer_test",
        version: "1.0.0",
        correlation_id: "corr",
        context: { secret: "payload" },
      },
      step: {
        step_uuid: stepUuid,
        name: `step_${stepUuid}`,
        type: "standard",
        callable: plan.callable,
        initialization: {},
        attempt: 1,
        max_attempts: 3,
        timeout_ms: plan.timeoutMs ?? 5_000,
      },
      dependency_results: {},
    };
  }

  async report(stepUuid: string, dispatchId: string, outcome: StepOutcome): Promise<ReportReceipt> {
    if (this.reportFails) throw new Error("Network connection lost");
    this.reports.push({ stepUuid, dispatchId, outcome });
    return { accepted: true, step_state: outcome.success ? "complete" : "error" };
  }

  async reportMany(items: readonly ReportItem[]): Promise<ReportReceipt[]> {
    this.reportManyCalls.push(items.map((item) => item.step_uuid));
    return Promise.all(items.map((item) => this.report(item.step_uuid, item.dispatch_id, item.outcome)));
  }
}

function fakeEnv(task: FakeTaskObject, binding = "TASKS") {
  const requested: string[] = [];
  const env = {
    [binding]: {
      getByName(name: string) {
        requested.push(name);
        return task;
      },
    },
  };
  return { env, requested };
}

const message = (id: string, body: unknown, attempts = 1) => ({ id, timestamp: new Date(), attempts, body });
const stepMessage = (stepUuid: string, dispatchId = `d-${stepUuid}`): StepMessage => ({
  task_uuid: TASK,
  step_uuid: stepUuid,
  attempt: 0,
  dispatch_id: dispatchId,
});

/**
 * Runs the consumer over a batch and returns its queue result. The test batch's retry() drops its
 * options, so the requested delays are read from a spy and returned as `retryDelays` by message id.
 */
async function consume(registry: HandlerRegistry, env: Record<string, unknown>, messages: ReturnType<typeof message>[]) {
  const batch = createMessageBatch("tasker-steps-test", messages);
  const retryDelays: Record<string, number | undefined> = {};
  for (const msg of batch.messages) {
    const retry = msg.retry.bind(msg);
    vi.spyOn(msg, "retry").mockImplementation((options) => {
      retryDelays[msg.id] = options?.delaySeconds;
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  await createStepConsumer(registry)(batch, env, ctx);
  return { ...(await getQueueResult(batch, ctx)), retryDelays };
}

/** Test handlers record what they saw, so assertions need no timing. */
const seen = { runs: 0, signals: [] as AbortSignal[] };

class SucceedingHandler extends StepHandler {
  async call(context: StepContext) {
    seen.runs += 1;
    return { handled: context.stepName, key: context.idempotencyKey };
  }
}

class HangingHandler extends StepHandler {
  async call(context: StepContext) {
    seen.signals.push(context.signal);
    // Settles only when the consumer aborts the signal at the step's timeout.
    return new Promise((_, reject) => context.signal.addEventListener("abort", () => reject(context.signal.reason)));
  }
}

class RefusingHandler extends StepHandler {
  async call(): Promise<never> {
    throw new PermanentError("refused", { errorCode: "refused" });
  }
}

/** Console spies: they keep test output quiet and let tests read the JSON log lines. */
let consoleSpies: Record<"log" | "warn" | "error", MockInstance<(...data: unknown[]) => void>>;

beforeEach(() => {
  consoleSpies = {
    log: vi.spyOn(console, "log").mockImplementation(() => {}),
    warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
    error: vi.spyOn(console, "error").mockImplementation(() => {}),
  };
});

const logLines = (level: "log" | "warn" | "error") =>
  consoleSpies[level].mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);

afterEach(() => {
  seen.runs = 0;
  seen.signals = [];
  vi.restoreAllMocks();
});

/**
 * Keeps the fake's first report in flight until the returned `release` is called; `before` runs on
 * every report before the fake records it (and may throw, as a dropped connection does).
 */
function holdFirstReport(task: FakeTaskObject, before: (stepUuid: string) => void = () => {}): () => void {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const report = task.report.bind(task);
  let calls = 0;
  vi.spyOn(task, "report").mockImplementation(async (stepUuid, dispatchId, outcome) => {
    calls += 1;
    if (calls === 1) await gate;
    before(stepUuid);
    return report(stepUuid, dispatchId, outcome);
  });
  return release;
}

const registry = () => new HandlerRegistry().register(SucceedingHandler).register(HangingHandler).register(RefusingHandler);

describe("createStepConsumer", () => {
  it("claims the step, runs its handler, reports success and acks", async () => {
    const task = new FakeTaskObject({ s1: { callable: "SucceedingHandler" } });
    const { env, requested } = fakeEnv(task);
    const result = await consume(registry(), env, [message("m1", stepMessage("s1"))]);

    expect(requested).toEqual([TASK]);
    expect(task.claims).toEqual([{ stepUuid: "s1", dispatchId: "d-s1" }]);
    expect(task.reports).toHaveLength(1);
    expect(task.reports[0]).toMatchObject({
      stepUuid: "s1",
      dispatchId: "d-s1",
      outcome: { success: true, result: { handled: "step_s1", key: `${TASK}:step_s1:1` } },
    });
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("acks a stale or duplicate dispatch without running the handler", async () => {
    const task = new FakeTaskObject({ s1: "stale" });
    const result = await consume(registry(), fakeEnv(task).env, [message("m1", stepMessage("s1"))]);
    expect(task.claims).toHaveLength(1);
    expect(seen.runs).toBe(0);
    expect(task.reports).toEqual([]);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("retries the message with backoff when the claim throws, so the queue and DLQ handle outages", async () => {
    const task = new FakeTaskObject({ s1: "unreachable", s2: "unreachable" });
    const result = await consume(registry(), fakeEnv(task).env, [
      message("m1", stepMessage("s1")),
      message("m2", stepMessage("s2"), 7),
    ]);
    expect(seen.runs).toBe(0);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(["m1", "m2"]);
    // 2^attempts seconds, capped at a minute.
    expect(result.retryDelays).toEqual({ m1: 2, m2: 60 });
  });

  it("claims a batch's messages for one task with one claimMany, each message following its own answer", async () => {
    const task = new FakeTaskObject({ s1: { callable: "SucceedingHandler" }, s2: "stale" });
    const result = await consume(registry(), fakeEnv(task).env, [
      message("m1", stepMessage("s1")),
      message("m2", stepMessage("s2")),
      message("m3", stepMessage("s1")), // a duplicate delivery of m1's dispatch
    ]);
    expect(task.claimManyCalls).toEqual([
      [
        { step_uuid: "s1", dispatch_id: "d-s1" },
        { step_uuid: "s2", dispatch_id: "d-s2" },
        { step_uuid: "s1", dispatch_id: "d-s1" },
      ],
    ]);
    expect(task.claims).toEqual([]);
    expect(seen.runs).toBe(1);
    expect(task.reports.map((r) => r.stepUuid)).toEqual(["s1"]);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2", "m3"]);
  });

  it("claims one by one when the object has no claimMany (an earlier release)", async () => {
    const task = new FakeTaskObject({ s1: { callable: "SucceedingHandler" }, s2: { callable: "SucceedingHandler" } });
    task.withoutClaimMany = true;
    const result = await consume(registry(), fakeEnv(task).env, [
      message("m1", stepMessage("s1")),
      message("m2", stepMessage("s2")),
    ]);
    expect(task.claims.map((c) => c.stepUuid).sort()).toEqual(["s1", "s2"]);
    expect(seen.runs).toBe(2);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
  });

  it("sends reports made while one to the task is in flight together in one reportMany, each with its receipt", async () => {
    const task = new FakeTaskObject({});
    const release = holdFirstReport(task);
    const coalesced = coalescingReports(task);
    const ok = { success: true as const, result: {} };
    const answers = ["s1", "s2", "s3"].map((s) => coalesced.report(s, `d-${s}`, ok, { eager_limit: 2 }));
    // The first went at once, alone; the others wait for it, with no timer.
    expect(task.reportManyCalls).toEqual([]);
    release();
    expect((await Promise.all(answers)).map((r) => r.accepted)).toEqual([true, true, true]);
    expect(task.reportManyCalls).toEqual([["s2", "s3"]]);
    expect(task.reports.map((r) => r.stepUuid)).toEqual(["s1", "s2", "s3"]);
  });

  it("reports one by one when a reportMany throws, so each message fails or succeeds on its own", async () => {
    const task = new FakeTaskObject({});
    const release = holdFirstReport(task, (stepUuid) => {
      if (stepUuid === "s3") throw new Error("Network connection lost");
    });
    vi.spyOn(task, "reportMany").mockRejectedValue(new TypeError('The RPC receiver does not implement the method "reportMany".'));
    const coalesced = coalescingReports(task);
    const ok = { success: true as const, result: {} };
    const answers = ["s1", "s2", "s3"].map((s) =>
      coalesced.report(s, `d-${s}`, ok).then(
        (r) => r.accepted,
        () => "threw",
      ),
    );
    release();
    expect(await Promise.all(answers)).toEqual([true, true, "threw"]);
  });

  it("retries the message when the report throws", async () => {
    const task = new FakeTaskObject({ s1: { callable: "SucceedingHandler" } });
    task.reportFails = true;
    const result = await consume(registry(), fakeEnv(task).env, [message("m1", stepMessage("s1"), 2)]);
    expect(seen.runs).toBe(1);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "m1" }]);
    expect(result.retryDelays).toEqual({ m1: 4 });
  });

  it("reports an unknown callable once as a permanent handler_not_found failure and acks", async () => {
    const task = new FakeTaskObject({ s1: { callable: "Billing::NoSuchHandler" } });
    const result = await consume(registry(), fakeEnv(task).env, [message("m1", stepMessage("s1"))]);
    expect(task.reports).toHaveLength(1);
    const outcome = task.reports[0]?.outcome;
    expect(outcome).toMatchObject({ success: false, error: { error_code: "handler_not_found", retryable: false } });
    expect(outcome?.success === false && outcome.error.message).toContain("Billing::NoSuchHandler");
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("aborts the handler's signal at the step timeout and reports a retryable handler_timeout", async () => {
    const task = new FakeTaskObject({ s1: { callable: "HangingHandler", timeoutMs: 50 } });
    const result = await consume(registry(), fakeEnv(task).env, [message("m1", stepMessage("s1"))]);
    expect(seen.signals).toHaveLength(1);
    expect(seen.signals[0]?.aborted).toBe(true);
    expect(task.reports[0]?.outcome).toMatchObject({
      success: false,
      error: { error_code: "handler_timeout", error_type: "timeout", retryable: true },
    });
    expect(result.explicitAcks).toEqual(["m1"]);
    // A retryable failure is logged as a warning.
    expect(logLines("warn")).toEqual([
      expect.objectContaining({ evt: "step.handler.finished", outcome: "retryable_failure", error_code: "handler_timeout" }),
    ]);
  });

  it("reports a thrown PermanentError as a permanent failure with its code", async () => {
    const task = new FakeTaskObject({ s1: { callable: "RefusingHandler" } });
    await consume(registry(), fakeEnv(task).env, [message("m1", stepMessage("s1"))]);
    expect(task.reports[0]?.outcome).toMatchObject({
      success: false,
      error: { message: "refused", error_code: "refused", error_type: "permanent_error", retryable: false },
    });
  });

  it("acks a message whose body is not a step message, without claiming anything", async () => {
    const task = new FakeTaskObject({});
    const result = await consume(registry(), fakeEnv(task).env, [
      message("bad-1", { task_uuid: TASK }),
      message("bad-2", "not json object"),
      message("bad-3", { ...stepMessage("s1"), attempt: -1 }),
    ]);
    expect(task.claims).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(["bad-1", "bad-2", "bad-3"]);
    expect(result.retryMessages).toEqual([]);
    expect(logLines("error").map((l) => [l.evt, l.message_id])).toEqual([
      ["queue.message.invalid", "bad-1"],
      ["queue.message.invalid", "bad-2"],
      ["queue.message.invalid", "bad-3"],
    ]);
  });

  it("runs the messages of a batch concurrently", async () => {
    // Each handler waits until both have started: run one after the other, the first would time out.
    let started = 0;
    let open: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      open = resolve;
    });
    class BarrierHandler extends StepHandler {
      async call(context: StepContext) {
        started += 1;
        if (started === 2) open();
        await barrier;
        return { step: context.stepName, together: started };
      }
    }
    const task = new FakeTaskObject({ a: { callable: "BarrierHandler" }, b: { callable: "BarrierHandler" } });
    const result = await consume(new HandlerRegistry().register(BarrierHandler), fakeEnv(task).env, [
      message("m-a", stepMessage("a")),
      message("m-b", stepMessage("b")),
    ]);
    expect(task.reports.map((r) => r.outcome)).toEqual([
      expect.objectContaining({ success: true, result: expect.objectContaining({ together: 2 }) }),
      expect.objectContaining({ success: true, result: expect.objectContaining({ together: 2 }) }),
    ]);
    expect(result.explicitAcks.sort()).toEqual(["m-a", "m-b"]);
  });

  it("finds the task object under a custom binding name", async () => {
    const task = new FakeTaskObject({ s1: { callable: "SucceedingHandler" } });
    const batch = createMessageBatch("tasker-steps-test", [message("m1", stepMessage("s1"))]);
    const ctx = createExecutionContext();
    await createStepConsumer(registry(), { binding: "ORCHESTRATOR_TASKS" })(batch, fakeEnv(task, "ORCHESTRATOR_TASKS").env, ctx);
    expect(task.reports).toHaveLength(1);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m1"]);
  });

  it("retries every message when the task namespace binding is missing", async () => {
    const result = await consume(registry(), {}, [message("m1", stepMessage("s1"))]);
    expect(result.retryMessages).toEqual([{ msgId: "m1" }]);
    expect(result.retryDelays).toEqual({ m1: 2 });
  });

  it("logs one JSON line per handler run and one per batch, without payloads", async () => {
    const task = new FakeTaskObject({ s1: { callable: "SucceedingHandler" }, s2: { callable: "RefusingHandler" }, s3: "stale" });
    const clock = [1_000, 1_010, 1_030, 1_040, 1_070, 1_100];
    const now = () => clock.shift() ?? 1_100;
    const batch = createMessageBatch("tasker-steps-test", [
      message("m1", stepMessage("s1")),
      message("m2", stepMessage("s2")),
      message("m3", stepMessage("s3")),
    ]);
    await createStepConsumer(registry(), { now })(batch, fakeEnv(task).env, createExecutionContext());

    const lines = [...logLines("log"), ...logLines("warn"), ...logLines("error")];
    const finished = lines.filter((l) => l.evt === "step.handler.finished");
    expect(finished).toHaveLength(2);
    expect(finished).toContainEqual({
      evt: "step.handler.finished",
      task_uuid: TASK,
      step_uuid: "s1",
      step: "step_s1",
      attempt: 1,
      outcome: "success",
      duration_ms: expect.any(Number),
    });
    expect(finished).toContainEqual(
      expect.objectContaining({ step_uuid: "s2", outcome: "permanent_failure", error_code: "refused" }),
    );
    // A permanent failure is logged as an error, a success as info.
    expect(logLines("error").map((l) => l.step_uuid)).toEqual(["s2"]);
    expect(lines.filter((l) => l.evt === "queue.batch")).toEqual([
      { evt: "queue.batch", queue: "tasker-steps-test", size: 3, acked: 3, retried: 0, duration_ms: 100 },
    ]);
    expect(JSON.stringify(lines)).not.toContain("payload");
    expect(JSON.stringify(lines)).not.toContain("handled");
  });
});
