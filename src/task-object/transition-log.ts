// One log line per state change an operation made: the task's net move, and each step's first → last state.
import type { Changes, TaskRun } from "../engine/task-run";
import { log } from "../log";

/**
 * The transition tables record every hop (a report moves a step through enqueued_for_orchestration
 * and the task through evaluating_results); the log keeps one line per task or step that moved, with
 * the events in order, so `wrangler tail` shows what changed without the bookkeeping in between.
 */
export function logTransitions(run: TaskRun, changes: Changes): void {
  const first = changes.taskTransitions[0];
  const last = changes.taskTransitions.at(-1);
  if (first && last && first.from !== last.to) {
    const actor = changes.taskTransitions.find((t) => "actor" in t.metadata)?.metadata.actor;
    log(last.to === "blocked_by_failures" || last.to === "error" ? "error" : "info", "task.transition", {
      task_uuid: run.taskUuid,
      from: first.from,
      to: last.to,
      events: changes.taskTransitions.map((t) => t.event),
      ...(actor === undefined ? {} : { actor }),
    });
  }
  const moves = new Map<string, { from: string; to: string; events: string[]; metadata: Record<string, unknown> }>();
  for (const t of changes.stepTransitions) {
    const move = moves.get(t.stepUuid);
    if (move) {
      move.to = t.to;
      move.events.push(t.event);
      Object.assign(move.metadata, t.metadata);
    } else {
      moves.set(t.stepUuid, { from: t.from, to: t.to, events: [t.event], metadata: { ...t.metadata } });
    }
  }
  for (const [stepUuid, move] of moves) {
    const step = run.steps.get(stepUuid);
    log(move.to === "error" ? "error" : move.to === "waiting_for_retry" ? "warn" : "info", "step.transition", {
      task_uuid: run.taskUuid,
      step_uuid: stepUuid,
      step: step?.name,
      attempt: step?.attempts,
      from: move.from,
      to: move.to,
      events: move.events,
      ...("error_code" in move.metadata ? { error_code: move.metadata.error_code } : {}),
      ...("delay_ms" in move.metadata ? { delay_ms: move.metadata.delay_ms } : {}),
      ...("actor" in move.metadata ? { actor: move.metadata.actor } : {}),
    });
  }
}
