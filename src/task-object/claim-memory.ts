// What claims read again and again, kept in memory with the task's run: the task's identity and parsed context, and steps' results.
import type { ClaimedStep } from "../engine/protocol";
import type { TaskRun } from "../engine/task-run";
import type { ReadQueries } from "./read-queries";

/**
 * Most characters of result JSON held per task (a big fan-out's convergence step reads thousands):
 * past it, results are read from storage when a claim needs them, as before this memory existed.
 */
export const HELD_RESULT_CHARS = 2_000_000;

/** A result as written (its JSON, parsed on first use) or parsed; `chars` is its JSON's length. */
interface HeldResult {
  json: string | null;
  value: unknown;
  chars: number;
}

/**
 * Lives exactly as long as the run it belongs to (see `claimMemoryOf`): a failed transaction drops
 * the run, and with it anything this memory learnt from that transaction. The task's identity and
 * context never change after `create`; a step's result changes only through `TaskStore.applyChanges`,
 * which reports every result it writes here (a report, an operator's `complete_manually`, a child
 * task's outcome), so what a claim hands out is what storage holds.
 */
export class ClaimMemory {
  private task: ClaimedStep["task"] | null = null;
  private readonly results = new Map<string, HeldResult>();
  private heldChars = 0;

  /** The task as a handler sees it, read and parsed once. */
  taskPart(reads: ReadQueries): ClaimedStep["task"] | null {
    if (this.task) return this.task;
    const row = reads.task();
    if (!row) return null;
    this.task = {
      task_uuid: row.task_uuid,
      namespace: row.namespace,
      name: row.name,
      version: row.version,
      correlation_id: row.correlation_id,
      context: JSON.parse(row.context),
    };
    return this.task;
  }

  /** A step's result was written (as `json`): it replaces whatever was held for the step. */
  resultWritten(stepUuid: string, json: string): void {
    this.forget(stepUuid);
    this.hold(stepUuid, { json, value: null, chars: json.length });
  }

  /**
   * Results of every completed ancestor of a step, keyed by step name: the ancestors come from the
   * run's graph in memory, their results from memory, and only the ones not held from storage.
   */
  ancestorResults(run: TaskRun, stepUuid: string, reads: ReadQueries): Record<string, unknown> {
    const completed = completedAncestors(run, stepUuid);
    const missing = completed.filter((uuid) => !this.results.has(uuid));
    const read = missing.length > 0 ? reads.resultsOf(missing) : new Map<string, string | null>();
    const results: Record<string, unknown> = {};
    for (const uuid of completed) {
      const name = run.steps.get(uuid)?.name;
      if (name === undefined) continue;
      let held = this.results.get(uuid);
      if (!held) {
        const json = read.get(uuid) ?? null;
        held = { json, value: null, chars: json?.length ?? 0 };
        this.hold(uuid, held);
      }
      results[name] = heldValue(held);
    }
    return results;
  }

  private hold(stepUuid: string, held: HeldResult): void {
    if (this.heldChars + held.chars > HELD_RESULT_CHARS) return;
    this.results.set(stepUuid, held);
    this.heldChars += held.chars;
  }

  private forget(stepUuid: string): void {
    const held = this.results.get(stepUuid);
    if (!held) return;
    this.results.delete(stepUuid);
    this.heldChars -= held.chars;
  }
}

/** A held result's value, parsing its JSON the first time it is asked for. */
function heldValue(held: HeldResult): unknown {
  if (held.json !== null) {
    held.value = JSON.parse(held.json);
    held.json = null;
  }
  return held.value;
}

/** Every ancestor of a step (parents, their parents, …) that is complete, nearest first. */
function completedAncestors(run: TaskRun, stepUuid: string): string[] {
  const seen = new Set<string>();
  const queue = [...(run.steps.get(stepUuid)?.parents ?? [])];
  const completed: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const uuid = queue[i] as string;
    if (seen.has(uuid)) continue;
    seen.add(uuid);
    const step = run.steps.get(uuid);
    if (!step) continue;
    if (step.state === "complete") completed.push(uuid);
    for (const parent of step.parents) queue.push(parent);
  }
  return completed;
}

const memories = new WeakMap<TaskRun, ClaimMemory>();

/** The claim memory of a run, created with its first claim and dropped with the run. */
export function claimMemoryOf(run: TaskRun): ClaimMemory {
  let memory = memories.get(run);
  if (!memory) {
    memory = new ClaimMemory();
    memories.set(run, memory);
  }
  return memory;
}
