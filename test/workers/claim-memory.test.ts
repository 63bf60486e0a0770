import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createFromYaml, heldMessage, taskStub } from "./helpers";

/** A chain on the unconsumed `manual` queue whose middle step fails for good, then two steps after it. */
const CHAIN = `
name: claim_memory_chain
namespace_name: manual
version: 1.0.0
steps:
  - name: first
    handler: { callable: EchoHandler }
  - name: middle
    handler: { callable: EchoHandler }
    dependencies: [first]
    retry: { max_attempts: 1 }
  - name: last
    handler: { callable: EchoHandler }
    dependencies: [middle]
  - name: last_too
    handler: { callable: EchoHandler }
    dependencies: [middle]
`;

async function claimHeld(taskUuid: string, stepName: string) {
  const message = await heldMessage(taskUuid, stepName);
  const claimed = await taskStub(taskUuid).claim(message.step_uuid, message.dispatch_id);
  if (!claimed) throw new Error(`claim of ${stepName} refused`);
  return { message, claimed };
}

describe("claims", () => {
  it("hand out the task's context and every completed ancestor's result, an operator's repair included, before and after an eviction", async () => {
    const { task_uuid } = await createFromYaml(CHAIN, { order: { id: 7 } });
    const first = await claimHeld(task_uuid, "first");
    expect(first.claimed.task.context).toEqual({ order: { id: 7 } });
    expect(first.claimed.dependency_results).toEqual({});
    await taskStub(task_uuid).report(first.message.step_uuid, first.message.dispatch_id, { success: true, result: { n: 1 } });

    const middle = await claimHeld(task_uuid, "middle");
    expect(middle.claimed.dependency_results).toEqual({ first: { n: 1 } });
    await taskStub(task_uuid).report(middle.message.step_uuid, middle.message.dispatch_id, {
      success: false,
      error: { message: "broken", retryable: false },
    });

    // The operator completes the failed step with the result it should have had: the next claim sees it.
    const repaired = await taskStub(task_uuid).applyStepAction(middle.message.step_uuid, {
      action_type: "complete_manually",
      performed_by: "ops",
      reason: "fixed by hand",
      result: { repaired: true },
    });
    expect(repaired.ok).toBe(true);
    const last = await claimHeld(task_uuid, "last");
    expect(last.claimed.task.context).toEqual({ order: { id: 7 } });
    expect(last.claimed.dependency_results).toEqual({ first: { n: 1 }, middle: { repaired: true } });

    // A restarted object holds nothing in memory: it reads the same from storage.
    await evictDurableObject(env.TASKS.getByName(task_uuid));
    const lastToo = await claimHeld(task_uuid, "last_too");
    expect(lastToo.claimed.task.context).toEqual({ order: { id: 7 } });
    expect(lastToo.claimed.dependency_results).toEqual({ first: { n: 1 }, middle: { repaired: true } });
  });
});
