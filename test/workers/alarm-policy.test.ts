import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { INDEX_FLUSH_TIMER, INDEX_SETTLE_MS } from "../../src/task-object/task-index-effect";
import { advanceTimers, createFromYaml, HELD_TEMPLATE, heldMessage, taskStub } from "./helpers";

/** The alarm and the earliest timer of a task, read together. */
async function alarmAndEarliest(taskUuid: string): Promise<{ alarm: number | null; earliest: number | null }> {
  const { alarm, timers } = await taskStub(taskUuid).inspect();
  return { alarm, earliest: timers.length === 0 ? null : Math.min(...timers.map((t) => t.due_at)) };
}

describe("the task object's alarm", () => {
  it("stays where it is when timers move later, and an early wake re-arms it at the next timer", async () => {
    const { task_uuid } = await createFromYaml(HELD_TEMPLATE);
    // The new task's index write, held for its settle time, goes first (its timer brought forward and
    // its alarm run), so the only timers left are the steps'.
    await advanceTimers(task_uuid, INDEX_SETTLE_MS);
    await vi.waitUntil(async () => !(await taskStub(task_uuid).inspect()).timers.some((t) => t.kind === INDEX_FLUSH_TIMER), {
      timeout: 5_000,
      interval: 20,
    });
    const held = await heldMessage(task_uuid, "held");
    expect(await taskStub(task_uuid).claim(held.step_uuid, held.dispatch_id)).not.toBeNull();
    const afterClaim = await alarmAndEarliest(task_uuid);
    expect(afterClaim.alarm).not.toBeNull();
    expect(afterClaim.alarm).toBeLessThanOrEqual(afterClaim.earliest ?? 0);

    // The report deletes the claim's deadline and arms the next step's claim timeout, 20 s away:
    // every timer is now due after the alarm, which therefore is not written again.
    const receipt = await taskStub(task_uuid).report(held.step_uuid, held.dispatch_id, { success: true, result: { n: 1 } });
    expect(receipt.accepted).toBe(true);
    const afterReport = await alarmAndEarliest(task_uuid);
    expect(afterReport.alarm).toBe(afterClaim.alarm);
    expect(afterReport.earliest).toBeGreaterThan(afterReport.alarm ?? Number.POSITIVE_INFINITY);

    // Woken early, the alarm finds nothing due, fires nothing and points at the next timer.
    expect(await runDurableObjectAlarm(env.TASKS.getByName(task_uuid))).toBe(true);
    const { alarm, earliest } = await alarmAndEarliest(task_uuid);
    expect(alarm).toBe(earliest);
    const { steps } = await taskStub(task_uuid).inspect();
    expect(steps.find((s) => s.name === "after_held")).toMatchObject({ state: "enqueued", attempts: 0 });
  });
});
