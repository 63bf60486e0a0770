// Which template steps exist when: the initial step set, and what a decision or batch outcome creates.
import { childrenByName, descendantsOf, topologicalOrder } from "../shared/step-graph";
import { isRecord } from "../shared/values";
import type { BatchConfig, StepDefinition, StepType, TaskTemplate } from "../templates/types";

/** Most step names one decision outcome may ask for (Tasker's max_steps_per_decision). */
export const MAX_STEPS_PER_DECISION = 100;
/** Most workers one batch outcome may create. */
export const MAX_BATCH_WORKERS = 10_000;
const BATCH_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** What a batch worker reads besides the task context: its cursor and how its batch behaves. */
export interface BatchWorkerInputs {
  cursor: { batch_id: string; start_cursor: unknown; end_cursor: unknown; batch_size: number } | null;
  batch_metadata: {
    batchable_step: string;
    cursor_field: string;
    failure_strategy: BatchConfig["failure_strategy"];
    parallelism: number;
  };
  /** True for the placeholder created by `no_batches`: the object completes it without a handler. */
  is_no_op: boolean;
}

/** One step a plan creates; `parents` name existing or earlier-planned steps. */
export interface PlannedStep {
  name: string;
  definition: StepDefinition;
  parents: string[];
  inputs: BatchWorkerInputs | null;
}

export type Plan = { ok: true; steps: PlannedStep[] } | { ok: false; message: string };

const CREATED_LATER: ReadonlySet<StepType> = new Set(["batch_worker", "deferred_convergence"]);

/**
 * The steps created when the task starts: all but the descendants of a decision step, batch
 * workers, deferred convergence steps and what lies below those (their creators make them later).
 */
export function initialStepNames(template: TaskTemplate): Set<string> {
  const children = childrenByName(template.steps);
  const later = new Set<string>();
  const pending = template.steps.filter((s) => CREATED_LATER.has(s.type)).map((s) => s.name);
  for (const step of template.steps) if (step.type === "decision") pending.push(...(children.get(step.name) ?? []));
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (later.has(name)) continue;
    later.add(name);
    pending.push(...(children.get(name) ?? []));
  }
  return new Set(template.steps.map((s) => s.name).filter((name) => !later.has(name)));
}

/**
 * Plans what a completed decision step creates from its `decision_point_outcome`: the named
 * descendants, the regular steps below them (a dependency that will not exist is wired to the
 * decision itself), and the deferred convergence steps they reach (wired only to parents that exist).
 */
export function planDecision(template: TaskTemplate, decision: string, result: unknown, existing: ReadonlySet<string>): Plan {
  const outcome = isRecord(result) ? result.decision_point_outcome : undefined;
  if (!isRecord(outcome)) {
    return { ok: false, message: `a decision step must return {decision_point_outcome: {type: "create_steps" | "no_branches"}}` };
  }
  if (outcome.type === "no_branches") return { ok: true, steps: [] };
  if (outcome.type !== "create_steps") {
    return {
      ok: false,
      message: `decision_point_outcome.type must be "create_steps" or "no_branches", not ${JSON.stringify(outcome.type)}`,
    };
  }
  const names = outcome.step_names;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n): n is string => typeof n === "string")) {
    return { ok: false, message: "decision_point_outcome.step_names must be a non-empty list of step names" };
  }
  if (names.length > MAX_STEPS_PER_DECISION) {
    return { ok: false, message: `a decision may create at most ${MAX_STEPS_PER_DECISION} steps, not ${names.length}` };
  }
  const children = childrenByName(template.steps);
  const below = descendantsOf(decision, children);
  const byName = new Map(template.steps.map((s) => [s.name, s]));
  const invalid = names.filter((n) => !below.has(n) || byName.get(n)?.type === "batch_worker");
  if (invalid.length > 0) {
    return {
      ok: false,
      message: `not steps this decision can create: ${invalid.map((n) => JSON.stringify(n)).join(", ")} (valid: ${template.steps
        .filter((s) => below.has(s.name) && s.type !== "batch_worker")
        .map((s) => s.name)
        .join(", ")})`,
    };
  }
  const seeds = names.filter((n) => !existing.has(n));
  return { ok: true, steps: closure(template, decision, seeds, [], existing, children) };
}

/**
 * Plans what a completed batchable step creates from its `batch_processing_outcome`: one worker per
 * cursor (or one no-op placeholder for `no_batches`), then the convergence and regular steps below.
 */
export function planBatch(template: TaskTemplate, batchable: string, result: unknown, existing: ReadonlySet<string>): Plan {
  const step = template.steps.find((s) => s.name === batchable);
  const config = step?.batch_config;
  const worker = config ? template.steps.find((s) => s.name === config.worker_template) : undefined;
  if (!config || !worker) return { ok: false, message: `step "${batchable}" has no batch_config with a worker template` };
  const outcome = isRecord(result) ? result.batch_processing_outcome : undefined;
  if (!isRecord(outcome)) {
    return {
      ok: false,
      message: `a batchable step must return {batch_processing_outcome: {type: "create_batches" | "no_batches"}}`,
    };
  }
  const metadata = {
    batchable_step: batchable,
    cursor_field: config.cursor_field,
    failure_strategy: config.failure_strategy,
    parallelism: config.parallelism,
  };
  const parents = worker.dependencies.filter((d) => existing.has(d) || d === batchable);
  let workers: PlannedStep[];
  if (outcome.type === "no_batches") {
    workers = [
      {
        name: `${worker.name}_no_op`,
        definition: worker,
        parents,
        inputs: { cursor: null, batch_metadata: metadata, is_no_op: true },
      },
    ];
  } else if (outcome.type === "create_batches") {
    if (outcome.worker_template_name !== undefined && outcome.worker_template_name !== worker.name) {
      return {
        ok: false,
        message: `worker_template_name ${JSON.stringify(outcome.worker_template_name)} is not this step's worker template "${worker.name}"`,
      };
    }
    const cursors = outcome.cursor_configs;
    if (!Array.isArray(cursors) || cursors.length === 0) {
      return {
        ok: false,
        message: "batch_processing_outcome.cursor_configs must be a non-empty list (return no_batches for none)",
      };
    }
    if (cursors.length > MAX_BATCH_WORKERS) {
      return { ok: false, message: `a batch may create at most ${MAX_BATCH_WORKERS} workers, not ${cursors.length}` };
    }
    workers = [];
    const seen = new Set<string>();
    for (const [index, cursor] of cursors.entries()) {
      const batchId =
        isRecord(cursor) && (typeof cursor.batch_id === "string" || Number.isInteger(cursor.batch_id))
          ? String(cursor.batch_id)
          : "";
      if (!BATCH_ID_PATTERN.test(batchId)) {
        return { ok: false, message: `cursor_configs[${index}].batch_id must be 1–64 letters, digits, "_" or "-"` };
      }
      if (seen.has(batchId)) return { ok: false, message: `cursor_configs[${index}].batch_id "${batchId}" is used twice` };
      seen.add(batchId);
      const c = cursor as Record<string, unknown>;
      const batchSize =
        Number.isInteger(c.batch_size) && (c.batch_size as number) > 0 ? (c.batch_size as number) : config.batch_size;
      const name = `${worker.name}_${batchId}`;
      if (existing.has(name)) continue;
      workers.push({
        name,
        definition: worker,
        parents,
        inputs: {
          cursor: {
            batch_id: batchId,
            start_cursor: c.start_cursor ?? null,
            end_cursor: c.end_cursor ?? null,
            batch_size: batchSize,
          },
          batch_metadata: metadata,
          is_no_op: false,
        },
      });
    }
  } else {
    return {
      ok: false,
      message: `batch_processing_outcome.type must be "create_batches" or "no_batches", not ${JSON.stringify(outcome.type)}`,
    };
  }
  const children = childrenByName(template.steps);
  return { ok: true, steps: closure(template, batchable, [], workers, existing, children) };
}

/**
 * The planned steps: `workers` as given, then `seeds` and everything reachable below them and the
 * workers, in dependency order. Reaching stops at decision and batchable steps (created, not
 * expanded), at batch workers (only their batchable step creates them) and at a batchable step's
 * convergence steps (its batch creates them).
 */
function closure(
  template: TaskTemplate,
  creator: string,
  seeds: string[],
  workers: PlannedStep[],
  existing: ReadonlySet<string>,
  children: Map<string, string[]>,
): PlannedStep[] {
  const byName = new Map(template.steps.map((s) => [s.name, s]));
  const instances = new Map<string, string[]>();
  for (const name of existing) instances.set(name, [name]);
  const workerTemplate = workers[0]?.definition.name;
  if (workerTemplate !== undefined)
    instances.set(
      workerTemplate,
      workers.map((w) => w.name),
    );

  const reach = new Set<string>();
  const pending = [...seeds, ...(workerTemplate === undefined ? [] : (children.get(workerTemplate) ?? []))];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const step = byName.get(name);
    if (reach.has(name) || existing.has(name) || !step || step.type === "batch_worker") continue;
    reach.add(name);
    // A decision's children wait for its own outcome; a batchable step's regular children exist with
    // it (as at task start), while its convergence steps wait for the batch.
    if (step.type === "decision") continue;
    const below = children.get(name) ?? [];
    pending.push(...(step.type === "batchable" ? below.filter((c) => byName.get(c)?.type !== "deferred_convergence") : below));
  }

  const planned = [...workers];
  for (const step of topologicalOrder(template.steps)) {
    if (!reach.has(step.name)) continue;
    const parents = new Set<string>();
    for (const dependency of step.dependencies) {
      const made = instances.get(dependency);
      if (made && made.length > 0) for (const parent of made) parents.add(parent);
      // A regular step whose dependency will never exist waits on the creator instead (Tasker's rule);
      // a deferred convergence step waits only on the parents that exist.
      else if (step.type !== "deferred_convergence") parents.add(creator);
    }
    if (parents.size === 0) parents.add(creator);
    instances.set(step.name, [step.name]);
    planned.push({ name: step.name, definition: step, parents: [...parents], inputs: null });
  }
  return planned;
}
