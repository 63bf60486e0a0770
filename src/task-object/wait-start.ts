// Resolves a sleep's or event wait's plan as its step starts, from the stored context and ancestors' results, with a buffered event.
import type { StepRuntime, WaitStart } from "../engine/task-run";
import { planWait } from "../engine/waits";
import type { ReadQueries } from "./read-queries";
import type { WaitStore } from "./wait-store";

export function waitStartOf(step: StepRuntime, reads: ReadQueries, waits: WaitStore, now: number): WaitStart {
  if (!step.wait) return { ok: false, message: `step ${step.name} has no valid wait configuration` };
  const task = reads.task();
  const context = task ? (JSON.parse(task.context) as Record<string, unknown>) : {};
  const planned = planWait(step.wait, context, reads.ancestorResults(step.uuid), now);
  if (!planned.ok) return planned;
  const { plan } = planned;
  if (plan.kind !== "event") return { ok: true, plan, buffered: null };
  const kept = waits.bufferedEventFor(plan.event, plan.match, now);
  return {
    ok: true,
    plan,
    buffered: kept ? { eventId: kept.event_id, name: kept.name, payload: kept.payload } : null,
  };
}
