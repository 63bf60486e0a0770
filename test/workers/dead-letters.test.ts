import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../examples/orchestrator/src/dev";
import { createFromYaml, getTask, HELD_TEMPLATE, heldMessage, stepNamed, timerCount } from "./helpers";

async function deliverToDeadLetterQueue(body: unknown) {
  const batch = createMessageBatch("tasker-steps-default-dlq", [{ id: "dead-1", timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("the dead-letter queue", () => {
  it("fails a step whose message could never be claimed, so it does not wait forever", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    const result = await deliverToDeadLetterQueue({
      task_uuid,
      step_uuid: held.step_uuid,
      attempt: 1,
      dispatch_id: held.dispatch_id,
    });
    expect(result.explicitAcks).toEqual(["dead-1"]);
    const step = await stepNamed(task_uuid, "held");
    expect(step).toMatchObject({ current_state: "error", attempts: 0 });
    expect(step.last_error).toMatchObject({ error_code: "dead_lettered", retryable: false });
    expect((await getTask(task_uuid)).status).toBe("blocked_by_failures");
    expect(await timerCount(task_uuid)).toBe(0);
  });

  it("ignores a dead letter for a dispatch that was claimed after all", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    const held = await heldMessage(task_uuid, "held");
    await env.TASKS.getByName(task_uuid).claim(held.step_uuid, held.dispatch_id);
    const result = await deliverToDeadLetterQueue({
      task_uuid,
      step_uuid: held.step_uuid,
      attempt: 1,
      dispatch_id: held.dispatch_id,
    });
    expect(result.explicitAcks).toEqual(["dead-1"]);
    expect((await stepNamed(task_uuid, "held")).current_state).toBe("in_progress");
  });

  it("acks a malformed dead letter instead of looping", async () => {
    const result = await deliverToDeadLetterQueue({ nonsense: true });
    expect(result.explicitAcks).toEqual(["dead-1"]);
    expect(result.retryMessages).toEqual([]);
  });
});
