// Writes what an operation did to the task's waits: waits that began or ended, events taken, and their event-index effects.
import type { EventWaitEntry } from "../catalog/event-waits";
import type { Changes, TaskRun } from "../engine/task-run";
import { matchKey } from "../engine/waits";
import type { Effect, TaskRow } from "./rows";
import type { WaitStore } from "./wait-store";

/**
 * Records the operation's waits in its transaction and returns the event-index effects they call for.
 * A wait ends with any transition of its step out of `in_progress` (event, wake-up, timeout, operator
 * action, cancel) or when the task closes. A wait that begins and ends in one operation (it took a
 * buffered event) never reaches the index.
 */
export function recordWaits(
  run: TaskRun,
  changes: Changes,
  waits: WaitStore,
  taskRow: () => TaskRow | null,
  now: number,
): Effect[] {
  const isWait = (stepUuid: string) => {
    const runsAs = run.steps.get(stepUuid)?.runsAs;
    return runsAs === "sleep" || runsAs === "event_wait";
  };
  const touchesWaits =
    changes.taskClosed ||
    changes.waitsStarted.length > 0 ||
    changes.stepTransitions.some((t) => t.from === "in_progress" && isWait(t.stepUuid));
  if (!touchesWaits) return [];
  const task = taskRow();
  if (!task) return [];
  const effects: Effect[] = [];
  const started = new Set<string>();
  for (const wait of changes.waitsStarted) {
    waits.startWait(wait.stepUuid, wait.dispatchId, wait.plan, now);
    started.add(wait.stepUuid);
  }
  for (const [eventId, stepUuid] of changes.eventsConsumed) waits.markConsumed(eventId, stepUuid, now);
  const ended = new Set<string>();
  const endOne = (stepUuid: string, row: { kind: string } | null) => {
    ended.add(stepUuid);
    if (row?.kind === "event" && !started.has(stepUuid)) {
      effects.push({ kind: "unindex_event_wait", task_uuid: task.task_uuid, step_uuid: stepUuid });
    }
  };
  if (changes.taskClosed) for (const row of waits.endAllWaits()) endOne(row.step_uuid, row);
  for (const transition of changes.stepTransitions) {
    if (transition.from !== "in_progress" || ended.has(transition.stepUuid) || !isWait(transition.stepUuid)) continue;
    endOne(transition.stepUuid, waits.endWait(transition.stepUuid));
  }
  for (const wait of changes.waitsStarted) {
    if (ended.has(wait.stepUuid) || wait.plan.kind !== "event") continue;
    const key = matchKey(wait.plan.match);
    const entry: EventWaitEntry = {
      event_name: wait.plan.event,
      match_fields: key.fields,
      match_key: key.values,
      task_uuid: task.task_uuid,
      step_uuid: wait.stepUuid,
      namespace: task.namespace,
      created_at: now,
    };
    effects.push({ kind: "index_event_wait", entry });
  }
  return effects;
}
