// Test helpers for steps created at run time: validated templates, and TaskRuns built from a template as the task object builds them.
import { initialStepNames } from "../../../src/engine/dynamic-steps";
import { IN_FLIGHT_STEP_STATES } from "../../../src/engine/states";
import { runsAsFor } from "../../../src/engine/sub-workflow";
import { type Changes, type EngineDeps, type Refusal, type StepRuntime, TaskRun } from "../../../src/engine/task-run";
import { validateTemplate } from "../../../src/templates/loader";
import type { TaskTemplate } from "../../../src/templates/types";
import { type RawStep, template as rawTemplate, templateOf } from "../templates/helpers";

export { step } from "../templates/helpers";

/** A template that passed the loader's checks, every default applied. */
export function loadTemplate(steps: RawStep[], fields: Record<string, unknown> = {}): TaskTemplate {
  return templateOf(validateTemplate(rawTemplate(steps, fields)));
}

/**
 * A run of `template` as a freshly created task: its initial steps, pending, wired by their
 * dependencies (what `TaskStore.insertTask` writes and `loadRuntime` reads back). Initial steps
 * use their names as uuids; created steps and dispatches get `id1`, `id2`, ….
 */
export function runOf(template: TaskTemplate, clock = { now: 0 }, deps: Pick<EngineDeps, "maxSteps"> = {}): TaskRun {
  const initial = initialStepNames(template);
  const definitions = template.steps.filter((s) => initial.has(s.name));
  let id = 0;
  const steps: StepRuntime[] = definitions.map((s) => ({
    uuid: s.name,
    name: s.name,
    type: s.type,
    runsAs: runsAsFor(s),
    batch: null,
    state: "pending",
    attempts: 0,
    retry: s.retry,
    timeoutMs: s.timeout_seconds * 1000,
    parents: [...s.dependencies],
    children: definitions.filter((c) => c.dependencies.includes(s.name)).map((c) => c.name),
    remainingParents: s.dependencies.length,
    dispatchId: null,
    nextRetryAt: null,
  }));
  return new TaskRun("task", "pending", steps, {
    now: () => clock.now,
    newId: () => `id${++id}`,
    random: () => 0,
    template: () => template,
    ...deps,
  });
}

export function changesOf(outcome: Changes | { refused: Refusal }): Changes {
  if ("refused" in outcome) throw new Error(`refused: ${outcome.refused}`);
  return outcome;
}

export function stepNamed(run: TaskRun, name: string): StepRuntime {
  for (const step of run.steps.values()) if (step.name === name) return step;
  throw new Error(`no step named ${name}`);
}

export function namesOf(run: TaskRun, uuids: Iterable<string>): string[] {
  return [...uuids].map((uuid) => run.steps.get(uuid)?.name ?? `?${uuid}`);
}

/** Names of the steps an operation sent to the queue, in dispatch order. */
export function dispatched(run: TaskRun, changes: Changes): string[] {
  return namesOf(
    run,
    changes.dispatches.map((d) => d.stepUuid),
  );
}

/** Claims the named step's current dispatch and reports the outcome. */
export function claimAndReport(run: TaskRun, name: string, outcome: "success" | "retryable" | "permanent", result: unknown = {}) {
  const step = stepNamed(run, name);
  const dispatchId = step.dispatchId ?? "";
  if ("refused" in run.claim(step.uuid, dispatchId)) throw new Error(`claim of ${name} refused`);
  return changesOf(
    run.report(
      step.uuid,
      dispatchId,
      outcome === "success"
        ? { success: true, result }
        : { success: false, error: { message: "boom", error_code: outcome, retryable: outcome === "retryable" } },
    ),
  );
}

/** Batch workers (steps with a batch membership) that are ready or held by a handler. */
export function workersInFlight(run: TaskRun): string[] {
  const ready = new Set(run.readyStepUuids());
  return [...run.steps.values()]
    .filter((s) => s.batch && (IN_FLIGHT_STEP_STATES.has(s.state) || ready.has(s.uuid)))
    .map((s) => s.name);
}
