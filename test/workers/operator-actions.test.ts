import { describe, expect, it } from "vitest";
import { api, demoTask, getTask, hasStatus, stepAudit, stepNamed, submit, waitForTask } from "./helpers";

const patch = (path: string, body: unknown) =>
  api(path, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function blockedPermanentFailure() {
  const { task_uuid } = await submit(demoTask("permanent_failure"));
  await waitForTask(task_uuid, hasStatus("blocked_by_failures"));
  const failed = await stepNamed(task_uuid, "validate_input");
  return { task_uuid, failed };
}

describe("operator actions on a step", () => {
  it("complete_manually gives dependents a result and the blocked task resumes to completion", async () => {
    const { task_uuid, failed } = await blockedPermanentFailure();
    const response = await patch(`/v1/tasks/${task_uuid}/workflow_steps/${failed.step_uuid}`, {
      action_type: "complete_manually",
      completion_data: { result: { valid: true, fixed_by_hand: true } },
      reason: "validated by support",
      completed_by: "ops@example.com",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ current_state: "complete", results: { valid: true, fixed_by_hand: true } });
    await waitForTask(task_uuid, hasStatus("complete"));
    const next = await stepNamed(task_uuid, "never_runs");
    expect(next.current_state).toBe("complete");
    expect(JSON.stringify(next.results)).toContain("validate_input");
    const audit = await stepAudit(task_uuid, failed.step_uuid);
    expect(audit.at(-1)).toMatchObject({
      event: "complete_manually",
      from_state: "error",
      to_state: "complete",
      metadata: { performed_by: "ops@example.com", reason: "validated by support" },
    });
  });

  it("resolve_manually satisfies dependents without a result", async () => {
    const { task_uuid, failed } = await blockedPermanentFailure();
    const response = await patch(`/v1/tasks/${task_uuid}/workflow_steps/${failed.step_uuid}`, {
      action_type: "resolve_manually",
      reason: "not needed for this order",
      resolved_by: "ops",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ current_state: "resolved_manually", results: null });
    await waitForTask(task_uuid, hasStatus("complete"));
  });

  it("reset_for_retry puts the step back to pending with its attempts reset, and the task runs it again", async () => {
    const { task_uuid, failed } = await blockedPermanentFailure();
    const response = await patch(`/v1/tasks/${task_uuid}/workflow_steps/${failed.step_uuid}`, {
      action_type: "reset_for_retry",
      reason: "upstream fixed",
      reset_by: "ops",
    });
    expect(response.status).toBe(200);
    // The demo handler rejects every attempt, so the retried step fails again and blocks again.
    await waitForTask(task_uuid, (t) => t.status === "blocked_by_failures" && t.updated_at > failed.updated_at);
    const events = (await stepAudit(task_uuid, failed.step_uuid)).map((t) => t.event);
    expect(events.slice(-5)).toEqual(["reset_for_retry", "enqueue", "start", "enqueue_as_error_for_orchestration", "fail"]);
    expect((await stepNamed(task_uuid, "validate_input")).attempts).toBe(1);
  });

  it("refuses an action from a state where it makes no sense with a 409 and the current state", async () => {
    const { task_uuid, failed } = await blockedPermanentFailure();
    const pending = await stepNamed(task_uuid, "never_runs");
    const response = await patch(`/v1/tasks/${task_uuid}/workflow_steps/${pending.step_uuid}`, {
      action_type: "reset_for_retry",
      reason: "x",
      reset_by: "ops",
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: "action_not_allowed", details: { current_state: "pending" } } });
    const resolved = await patch(`/v1/tasks/${task_uuid}/workflow_steps/${failed.step_uuid}`, {
      action_type: "resolve_manually",
      reason: "x",
      resolved_by: "ops",
    });
    expect(resolved.status).toBe(200);
    await waitForTask(task_uuid, hasStatus("complete"));
    const again = await patch(`/v1/tasks/${task_uuid}/workflow_steps/${pending.step_uuid}`, {
      action_type: "resolve_manually",
      reason: "x",
      resolved_by: "ops",
    });
    expect(again.status).toBe(409);
  });

  it("rejects a malformed action with 400", async () => {
    const { task_uuid, failed } = await blockedPermanentFailure();
    const response = await patch(`/v1/tasks/${task_uuid}/workflow_steps/${failed.step_uuid}`, { action_type: "explode" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });
});

describe("operator actions on a task", () => {
  it("gives up a blocked task", async () => {
    const { task_uuid } = await blockedPermanentFailure();
    const response = await patch(`/v1/tasks/${task_uuid}`, {
      action_type: "give_up",
      reason: "customer left",
      performed_by: "ops",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "error" });
    expect((await getTask(task_uuid)).completed_at).not.toBeNull();
  });

  it("resolves a blocked task as a whole", async () => {
    const { task_uuid } = await blockedPermanentFailure();
    const response = await patch(`/v1/tasks/${task_uuid}`, {
      action_type: "resolve_manually",
      reason: "handled offline",
      performed_by: "ops",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "resolved_manually" });
  });

  it("refuses to give up a task that is not blocked", async () => {
    const { task_uuid } = await submit(demoTask("slow_step"));
    const response = await patch(`/v1/tasks/${task_uuid}`, { action_type: "give_up", reason: "x", performed_by: "ops" });
    expect(response.status).toBe(409);
    await api(`/v1/tasks/${task_uuid}`, { method: "DELETE" });
  });
});
