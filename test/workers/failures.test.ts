import { describe, expect, it } from "vitest";
import { firstClaimTimeoutMs } from "../../src/engine/task-run";
import {
  advanceTimers,
  createFromYaml,
  demoTask,
  getTask,
  HELD_TEMPLATE,
  hasStatus,
  heldMessage,
  scheduledAlarm,
  stepAudit,
  stepNamed,
  submit,
  taskStub,
  taskTransitions,
  timerCount,
  waitForStep,
  waitForTask,
} from "./helpers";

const SLOW_BACKOFF_TEMPLATE = `
name: flaky_with_slow_backoff
namespace_name: test
version: 1.0.0
steps:
  - name: call_service
    handler:
      callable: FlakyServiceHandler
      initialization: { fail_times: 1 }
    retry: { max_attempts: 3, backoff: exponential, backoff_base_ms: 60000, max_backoff_ms: 600000 }
  - name: after_service
    handler: { callable: EchoHandler }
    dependencies: [call_service]
`;

describe("retryable failures", () => {
  it("waits out the template's backoff on an alarm, then succeeds on attempt 2", async () => {
    const { task_uuid } = await createFromYaml(SLOW_BACKOFF_TEMPLATE);
    const waiting = await waitForStep(task_uuid, "call_service", (s) => s.current_state === "waiting_for_retry");
    expect(waiting.attempts).toBe(1);
    expect(waiting.last_error).toMatchObject({ error_code: "service_unavailable", retryable: true, attempt: 1 });

    // Exponential from 60 s with at most 10% jitter taken off.
    const failedAt = Date.parse(waiting.last_error?.at ?? "");
    const retryAt = Date.parse(waiting.next_retry_at ?? "");
    expect(retryAt - failedAt).toBeGreaterThan(54_000);
    expect(retryAt - failedAt).toBeLessThanOrEqual(60_000);
    // The alarm fires by the retry (it may wake earlier, for the claim's deadline, and re-arm).
    expect(await scheduledAlarm(task_uuid)).toBeLessThanOrEqual(retryAt);
    expect((await getTask(task_uuid)).status).toBe("waiting_for_retry");

    expect(await advanceTimers(task_uuid, 60_000)).toBe(true);
    const task = await waitForTask(task_uuid, hasStatus("complete"));
    expect(task.completed_steps).toBe(2);
    const step = await stepNamed(task_uuid, "call_service");
    expect(step).toMatchObject({ current_state: "complete", attempts: 2, next_retry_at: null });
    const events = (await stepAudit(task_uuid, step.step_uuid)).map((t) => t.event);
    expect(events).toEqual([
      "create",
      "enqueue",
      "start",
      "enqueue_as_error_for_orchestration",
      "wait_for_retry",
      "retry",
      "enqueue",
      "start",
      "enqueue_for_orchestration",
      "complete",
    ]);
    const taskEvents = (await taskTransitions(task_uuid)).map((t) => t.event);
    expect(taskEvents).toContain("retry_backoff_started");
    expect(taskEvents).toContain("retry_ready");
    expect(await timerCount(task_uuid)).toBe(0);
  });

  it("retries the bundled flaky_service demo on its own alarm", async () => {
    const { task_uuid } = await submit(demoTask("flaky_service"));
    await waitForTask(task_uuid, hasStatus("complete"));
    const step = await stepNamed(task_uuid, "call_flaky_service");
    expect(step.attempts).toBe(2);
    const audit = await stepAudit(task_uuid, step.step_uuid);
    const wait = audit.find((t) => t.event === "wait_for_retry");
    const retry = audit.find((t) => t.event === "retry");
    // The retry never happens before the backoff the template asked for (200 ms, minus jitter).
    const delay = wait?.metadata.delay_ms as number;
    expect(delay).toBeGreaterThanOrEqual(180);
    expect(delay).toBeLessThanOrEqual(200);
    expect(Date.parse(retry?.recorded_at ?? "") - Date.parse(wait?.recorded_at ?? "")).toBeGreaterThanOrEqual(delay);
  });

  it("puts the step in error after its last attempt", async () => {
    const { task_uuid } = await createFromYaml(
      SLOW_BACKOFF_TEMPLATE.replace("fail_times: 1", "fail_times: 5").replace("max_attempts: 3", "max_attempts: 2"),
    );
    await waitForStep(task_uuid, "call_service", (s) => s.current_state === "waiting_for_retry");
    await advanceTimers(task_uuid, 600_000);
    const task = await waitForTask(task_uuid, hasStatus("blocked_by_failures"));
    expect(task.failed_steps).toBe(1);
    const step = await stepNamed(task_uuid, "call_service");
    expect(step).toMatchObject({ current_state: "error", attempts: 2 });
    expect(step.last_error).toMatchObject({ attempt: 2, error_code: "service_unavailable" });
    expect((await stepNamed(task_uuid, "after_service")).current_state).toBe("pending");
  });
});

describe("permanent failures", () => {
  it("fails the step at once and blocks the task", async () => {
    const { task_uuid } = await submit(demoTask("permanent_failure"));
    const task = await waitForTask(task_uuid, hasStatus("blocked_by_failures"));
    expect(task).toMatchObject({ failed_steps: 1, execution_status: "blocked_by_failures" });
    const failed = await stepNamed(task_uuid, "validate_input");
    expect(failed).toMatchObject({ current_state: "error", attempts: 1, next_retry_at: null });
    expect(failed.last_error).toMatchObject({ error_code: "invalid_input", retryable: false });
    expect((await stepNamed(task_uuid, "never_runs")).current_state).toBe("pending");
    expect(await timerCount(task_uuid)).toBe(0);
  });

  it("fails an unknown callable permanently with handler_not_found instead of looping", async () => {
    const { task_uuid } = await submit(demoTask("unknown_handler"));
    await waitForTask(task_uuid, hasStatus("blocked_by_failures"));
    const step = await stepNamed(task_uuid, "mystery_step");
    expect(step).toMatchObject({ current_state: "error", attempts: 1 });
    expect(step.last_error).toMatchObject({ error_code: "handler_not_found", retryable: false });
    expect(step.last_error?.message).toContain("NoSuchHandler");
  });
});

describe("deadlines", () => {
  it("counts a claimed attempt with no report by its deadline as a retryable timeout, and ignores the late report", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id); // the consumer dies after claiming
    // The deadline is the step's 10 s timeout plus 5 s of grace.
    await advanceTimers(task_uuid, 14_000);
    expect((await stepNamed(task_uuid, "held")).current_state).toBe("in_progress");
    await advanceTimers(task_uuid, 1_000);
    const step = await stepNamed(task_uuid, "held");
    expect(step.current_state).toBe("waiting_for_retry");
    expect(step.last_error).toMatchObject({ error_code: "timeout", retryable: true, attempt: 1 });
    const late = await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, { success: true, result: {} });
    expect(late.accepted).toBe(false);
  });

  it("sends an unclaimed message again after the claim timeout, with the same dispatch", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await advanceTimers(task_uuid, firstClaimTimeoutMs(1)); // the message was lost: nobody claimed it
    const audit = await stepAudit(task_uuid, held.step_uuid);
    expect(audit.map((t) => t.event)).toEqual(["create", "enqueue"]);
    expect(await heldMessage(task_uuid, "held")).toEqual(held);
    expect(await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id)).not.toBeNull();
  });
});
