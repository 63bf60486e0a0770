// The crash test's invariants, checked on each task's own records once everything has settled.
import type { StepRecord, TaskRecord, Transition } from "./objects.ts";
import type { IndexRow } from "./settle.ts";

export interface Violation {
  task_uuid: string;
  check: string;
  detail: string;
}

/** Error codes of an attempt the engine lost rather than ran to a verdict: no report by the deadline, or dead-lettered. */
const LOST_ATTEMPT_CODES = new Set(["timeout", "dead_lettered"]);
/** Step states after which a step's dependents may run (a tolerated batch failure counts as done). */
const FINISHED_STEP_STATES = new Set(["complete", "resolved_manually", "error"]);
const DISPATCH_STATES = new Set(["enqueued", "in_progress"]);

const at = (transition: Transition) => Date.parse(transition.recorded_at);

function firstTime(audit: readonly Transition[], states: ReadonlySet<string>): number | undefined {
  const found = audit.find((t) => states.has(t.to_state));
  return found ? at(found) : undefined;
}

/** Whether a failed step ran out of attempts with at least one of them lost to the crash. */
export function exhaustedByLostAttempt(step: StepRecord): boolean {
  const lost = step.audit.some(
    (t) => t.to_state === "enqueued_as_error_for_orchestration" && LOST_ATTEMPT_CODES.has(String(t.metadata.error_code)),
  );
  return lost && step.attempts >= step.max_attempts;
}

function stepChecks(task: TaskRecord): Violation[] {
  const violations: Violation[] = [];
  const byName = new Map(task.steps.map((step) => [step.name, step]));
  const fail = (check: string, detail: string) => violations.push({ task_uuid: task.task_uuid, check, detail });
  for (const step of task.steps) {
    if (step.attempts > step.max_attempts) fail("attempts_within_max", `${step.name}: ${step.attempts} > ${step.max_attempts}`);
    const completions = step.audit.filter((t) => t.to_state === "complete").length;
    if (completions > 1) fail("one_completion", `${step.name} completed ${completions} times`);
    const dispatched = firstTime(step.audit, DISPATCH_STATES);
    if (dispatched === undefined) continue;
    for (const parentName of step.dependencies) {
      const parent = byName.get(parentName);
      const finished = parent ? firstTime(parent.audit, FINISHED_STEP_STATES) : undefined;
      if (finished === undefined || finished > dispatched) {
        fail(
          "parents_before_start",
          `${step.name} was dispatched at ${new Date(dispatched).toISOString()}, before ${parentName} finished (${finished === undefined ? "never" : new Date(finished).toISOString()})`,
        );
      }
    }
  }
  return violations;
}

/** A blocked task is settled only if every failed step used up its attempts and lost one of them to the crash. */
function blockedChecks(task: TaskRecord): Violation[] {
  if (task.status !== "blocked_by_failures") return [];
  return task.steps
    .filter((step) => step.current_state === "error" && !exhaustedByLostAttempt(step))
    .map((step) => ({
      task_uuid: task.task_uuid,
      check: "blocked_only_by_lost_attempts",
      detail: `${step.name} failed after ${step.attempts}/${step.max_attempts} attempts without a lost one (last: ${step.audit.at(-1)?.metadata.error_code ?? "?"})`,
    }));
}

/**
 * Where a task stands once everything had time to settle: `settled` (terminal, or blocked); waiting
 * on a child that is blocked (its workflow step waits for the child by design); held up by a child
 * that is itself stranded; or `stranded`: work of its own (or a child's notice) that nothing will move.
 */
export type Verdict = "settled" | "waits_on_blocked_child" | "held_by_stranded_child" | "stranded";

const SETTLED_TASK_STATES = new Set(["complete", "error", "cancelled", "resolved_manually", "blocked_by_failures"]);

export function verdictOf(task: TaskRecord, records: ReadonlyMap<string, TaskRecord>, seen = new Set<string>()): Verdict {
  if (SETTLED_TASK_STATES.has(task.status)) return "settled";
  const unfinished = task.steps.filter((step) => !FINISHED_STEP_STATES.has(step.current_state));
  const awaiting = unfinished.filter((step) => step.current_state === "in_progress" && step.child_task_uuid !== null);
  const onlyChildren =
    awaiting.length > 0 && unfinished.every((step) => awaiting.includes(step) || step.current_state === "pending");
  if (!onlyChildren || seen.has(task.task_uuid)) return "stranded";
  seen.add(task.task_uuid);
  const children = awaiting.map((step) => {
    const child = records.get(step.child_task_uuid as string);
    // No child, or a finished one whose notice never arrived: the parent is the one that is stuck.
    if (!child || (SETTLED_TASK_STATES.has(child.status) && child.status !== "blocked_by_failures")) return "stranded";
    if (child.status === "blocked_by_failures") return "waits_on_blocked_child";
    const verdict = verdictOf(child, records, seen);
    return verdict === "waits_on_blocked_child" ? verdict : "held_by_stranded_child";
  });
  if (children.includes("stranded")) return "stranded";
  return children.includes("held_by_stranded_child") ? "held_by_stranded_child" : "waits_on_blocked_child";
}

/** Every check on every task read from the objects, plus the index's agreement with them. */
export function checkTasks(records: ReadonlyMap<string, TaskRecord>, index: ReadonlyMap<string, IndexRow>): Violation[] {
  const violations: Violation[] = [];
  for (const task of records.values()) {
    const row = index.get(task.task_uuid);
    if (!row)
      violations.push({ task_uuid: task.task_uuid, check: "index_agrees", detail: `missing from the index (${task.status})` });
    else if (row.status !== task.status) {
      violations.push({
        task_uuid: task.task_uuid,
        check: "index_agrees",
        detail: `index says ${row.status}, object ${task.status}`,
      });
    }
    violations.push(...stepChecks(task), ...blockedChecks(task));
  }
  return violations;
}

/** One line on where a stranded task stands, from its object: state, step states, its children. */
export function describeStranded(task: TaskRecord, records: ReadonlyMap<string, TaskRecord>): string {
  const counts = new Map<string, number>();
  for (const step of task.steps) counts.set(step.current_state, (counts.get(step.current_state) ?? 0) + 1);
  const unclaimed = task.steps.filter((step) => step.current_state === "enqueued" && step.attempts === 0).length;
  const last = [...task.transitions, ...task.steps.flatMap((step) => step.audit)].map(at).reduce((a, b) => Math.max(a, b), 0);
  const children = task.child_tasks.map((c) => `${c.step_name}→${records.get(c.child_task_uuid)?.status ?? "no task"}`);
  return [
    `${task.namespace}/${task.name} ${task.status}`,
    `steps {${[...counts].map(([state, n]) => `${state}: ${n}`).join(", ")}}`,
    unclaimed > 0 ? `${unclaimed} enqueued with 0 attempts` : "",
    children.length > 0 ? `children ${children.join(", ")}` : "",
    `last transition ${last === 0 ? "none" : new Date(last).toISOString()}`,
  ]
    .filter(Boolean)
    .join("; ");
}
