// The task object's writes: creating a task's rows, loading the engine's view, writing its changes, and its timers.
import { type BatchWorkerInputs, initialStepNames } from "../engine/dynamic-steps";
import { isTerminalTaskState, type TaskState } from "../engine/states";
import { runsAsFor } from "../engine/sub-workflow";
import { type Changes, type Dispatch, type StepRuntime, TIMERS_FIRING_WHILE_PAUSED, type TimerSpec } from "../engine/task-run";
import { waitConfigOf } from "../shared/wait-config";
import type { StepDefinition } from "../templates/types";
import type { NewTask, StepRow, TimerRow } from "./rows";
import { deleteChunked, insertChunked } from "./sql-chunks";

const FIRING_WHILE_PAUSED = [...TIMERS_FIRING_WHILE_PAUSED];
/**
 * The timers that may fire: the object's own (no step), the kinds that watch a step in flight, and
 * every timer of a task that is not paused. Any other step timer of a paused task is held.
 */
const FIRABLE = `step_uuid IS NULL OR kind IN (${FIRING_WHILE_PAUSED.map(() => "?").join(", ")})
  OR NOT EXISTS (SELECT 1 FROM task WHERE paused_at IS NOT NULL)`;

export class TaskStore {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Writes the task, the steps that exist from the start and their edges (a decision's branches,
   * batch workers and convergence steps come later). Returns the initial steps' uuids by name.
   */
  insertTask(task: NewTask, newId: () => string, now: number): Map<string, string> {
    const { template, parent } = task;
    const initial = initialStepNames(template);
    const steps = template.steps.filter((step) => initial.has(step.name));
    const stepUuids = new Map(steps.map((step) => [step.name, newId()]));
    this.sql.exec(
      `INSERT INTO task (task_uuid, namespace, name, version, state, context, template, initiator, source_system,
        reason, priority, tags, correlation_id, parent_correlation_id, queue_binding, created_at, updated_at,
        parent_task_uuid, parent_step_uuid, parent_step_name, parent_dispatch_id, lineage, created_by, namespace_scope)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      task.task_uuid,
      template.namespace_name,
      template.name,
      template.version,
      JSON.stringify(task.context),
      JSON.stringify(template),
      task.initiator,
      task.source_system,
      task.reason,
      task.priority,
      JSON.stringify(task.tags),
      task.correlation_id,
      task.parent_correlation_id,
      task.queue_binding,
      now,
      now,
      parent?.task_uuid ?? null,
      parent?.step_uuid ?? null,
      parent?.step_name ?? null,
      parent?.dispatch_id ?? null,
      JSON.stringify(parent?.lineage ?? []),
      task.created_by,
      task.namespace_scope === null ? null : JSON.stringify(task.namespace_scope),
    );
    this.sql.exec(
      "INSERT INTO task_transitions (from_state, to_state, event, metadata, recorded_at) VALUES (NULL, 'pending', 'create', '{}', ?)",
      now,
    );
    const uuidOf = (name: string) => stepUuids.get(name) ?? "";
    insertChunked(
      this.sql,
      "steps",
      ["step_uuid", "name", "position", "type", "definition", "state", "remaining_parents", "created_at", "updated_at"],
      steps.map((step, position) => [
        uuidOf(step.name),
        step.name,
        position,
        step.type,
        JSON.stringify(step),
        "pending",
        step.dependencies.length,
        now,
        now,
      ]),
    );
    insertChunked(
      this.sql,
      "step_transitions",
      ["step_uuid", "from_state", "to_state", "event", "metadata", "recorded_at"],
      steps.map((step) => [uuidOf(step.name), null, "pending", "create", "{}", now]),
    );
    insertChunked(
      this.sql,
      "edges",
      ["parent_uuid", "child_uuid"],
      steps.flatMap((step) => step.dependencies.map((parent) => [uuidOf(parent), uuidOf(step.name)])),
    );
    return stepUuids;
  }

  /** Builds the engine's view of every step: one pass over steps and one over edges. */
  loadRuntime(): StepRuntime[] {
    const steps = new Map<string, StepRuntime>();
    for (const row of this.sql.exec<StepRow & Record<string, SqlStorageValue>>("SELECT * FROM steps ORDER BY position")) {
      const definition = JSON.parse(row.definition) as StepDefinition;
      const inputs = row.inputs === null ? null : (JSON.parse(row.inputs) as BatchWorkerInputs);
      steps.set(row.step_uuid, {
        uuid: row.step_uuid,
        name: row.name,
        type: definition.type,
        runsAs: inputs?.is_no_op ? "inline_noop" : runsAsFor(definition),
        batch: inputs ? batchMembership(inputs) : null,
        state: row.state,
        attempts: row.attempts,
        retry: definition.retry,
        timeoutMs: definition.timeout_seconds * 1000,
        parents: [],
        children: [],
        remainingParents: row.remaining_parents,
        dispatchId: row.dispatch_id,
        nextRetryAt: row.next_retry_at,
        wait: waitConfigOf(definition.handler),
      });
    }
    for (const edge of this.sql.exec<{ parent_uuid: string; child_uuid: string }>("SELECT parent_uuid, child_uuid FROM edges")) {
      steps.get(edge.parent_uuid)?.children.push(edge.child_uuid);
      steps.get(edge.child_uuid)?.parents.push(edge.parent_uuid);
    }
    return [...steps.values()];
  }

  /**
   * Writes one engine operation's changes, one statement per table where it can (multi-row inserts,
   * a step's state, result and error in one update). Must run inside `transactionSync`.
   * `resultWritten` hears each result as the JSON text stored, for what the object keeps in memory.
   */
  applyChanges(
    changes: Changes,
    steps: Map<string, StepRuntime>,
    taskState: TaskState,
    now: number,
    resultWritten?: (stepUuid: string, resultsJson: string) => void,
  ): void {
    this.insertCreatedSteps(changes);
    if (changes.taskTransitions.length > 0) {
      const terminal = isTerminalTaskState(taskState);
      // A pause ends with the task: a finished task has nothing left to hold back.
      if (changes.pause !== undefined || terminal) {
        const pause = terminal ? null : (changes.pause ?? null);
        this.sql.exec(
          "UPDATE task SET state = ?, updated_at = ?, completed_at = ?, paused_at = ?, pause = ? WHERE 1",
          taskState,
          now,
          terminal ? now : null,
          pause?.at ?? null,
          pause ? JSON.stringify(pause) : null,
        );
      } else {
        this.sql.exec("UPDATE task SET state = ?, updated_at = ?, completed_at = NULL WHERE 1", taskState, now);
      }
      insertChunked(
        this.sql,
        "task_transitions",
        ["from_state", "to_state", "event", "metadata", "recorded_at"],
        changes.taskTransitions.map((t) => [t.from, t.to, t.event, JSON.stringify(t.metadata), t.at]),
      );
    }
    insertChunked(
      this.sql,
      "step_transitions",
      ["step_uuid", "from_state", "to_state", "event", "metadata", "recorded_at"],
      changes.stepTransitions.map((t) => [t.stepUuid, t.from, t.to, t.event, JSON.stringify(t.metadata), t.at]),
    );
    const resultsJson = new Map<string, string>();
    for (const [uuid, result] of changes.results) {
      const json = JSON.stringify(result ?? null);
      resultsJson.set(uuid, json);
      resultWritten?.(uuid, json);
    }
    const started = new Set(changes.stepTransitions.filter((t) => t.to === "in_progress").map((t) => t.stepUuid));
    const written = new Set<string>();
    for (const uuid of changes.touchedSteps) {
      const step = steps.get(uuid);
      if (!step) continue;
      written.add(uuid);
      const finished = step.state === "complete" || step.state === "resolved_manually" || step.state === "cancelled";
      const result = resultsJson.get(uuid);
      const error = changes.errors.get(uuid);
      this.sql.exec(
        `UPDATE steps SET state = ?, attempts = ?, remaining_parents = ?, dispatch_id = ?, next_retry_at = ?,
           updated_at = ?, last_attempted_at = CASE WHEN ? THEN ? ELSE last_attempted_at END,
           completed_at = CASE WHEN ? THEN COALESCE(completed_at, ?) ELSE NULL END,
           results = CASE WHEN ? THEN ? ELSE results END, last_error = CASE WHEN ? THEN ? ELSE last_error END
         WHERE step_uuid = ?`,
        step.state,
        step.attempts,
        step.remainingParents,
        step.dispatchId,
        step.nextRetryAt,
        now,
        started.has(uuid) ? 1 : 0,
        now,
        finished ? 1 : 0,
        now,
        result === undefined ? 0 : 1,
        result ?? null,
        error === undefined ? 0 : 1,
        error === undefined ? null : JSON.stringify(error),
        uuid,
      );
    }
    // A result or error for a step whose row is not otherwise rewritten (the engine touches every step
    // it records one for, so this is a guard, not a path).
    for (const [uuid, json] of resultsJson) {
      if (!written.has(uuid)) this.sql.exec("UPDATE steps SET results = ? WHERE step_uuid = ?", json, uuid);
    }
    for (const [uuid, error] of changes.errors) {
      if (!written.has(uuid)) this.sql.exec("UPDATE steps SET last_error = ? WHERE step_uuid = ?", JSON.stringify(error), uuid);
    }
    if (changes.taskClosed) {
      // Step timers go; the object's own (outbox and index flush) stay, since effects may still be pending.
      this.sql.exec("DELETE FROM timers WHERE step_uuid IS NOT NULL");
      this.sql.exec("DELETE FROM outbox");
    } else {
      deleteChunked(this.sql, "timers", "step_uuid", [...changes.timersCleared]);
    }
    this.insertTimers(changes.timersArmed);
    this.insertOutbox(changes.dispatches, now);
  }

  /** Steps a decision or batch created, their edges and their `create` transitions, before any update touches them. */
  private insertCreatedSteps(changes: Changes): void {
    if (changes.createdSteps.length === 0) return;
    insertChunked(
      this.sql,
      "steps",
      ["step_uuid", "name", "position", "type", "definition", "state", "remaining_parents", "inputs", "created_at", "updated_at"],
      changes.createdSteps.map((step) => [
        step.uuid,
        step.name,
        step.position,
        step.definition.type,
        JSON.stringify(step.definition),
        "pending",
        step.remainingParents,
        step.inputs === null ? null : JSON.stringify(step.inputs),
        step.at,
        step.at,
      ]),
    );
    insertChunked(
      this.sql,
      "step_transitions",
      ["step_uuid", "from_state", "to_state", "event", "metadata", "recorded_at"],
      changes.createdSteps.map((step) => [
        step.uuid,
        null,
        "pending",
        "create",
        JSON.stringify({ created_by: step.createdBy }),
        step.at,
      ]),
    );
    insertChunked(this.sql, "edges", ["parent_uuid", "child_uuid"], changes.createdEdges);
  }

  /** The first step of a purge: from here on the task answers as purged. */
  markPurged(now: number): void {
    this.sql.exec("UPDATE task SET purged_at = ? WHERE 1", now);
  }

  setChildTask(stepUuid: string, childTaskUuid: string): void {
    this.sql.exec("UPDATE steps SET child_task_uuid = ? WHERE step_uuid = ?", childTaskUuid, stepUuid);
  }

  private insertTimers(timers: TimerSpec[]): void {
    insertChunked(
      this.sql,
      "timers",
      ["due_at", "kind", "step_uuid", "dispatch_id"],
      timers.map((t) => [t.dueAt, t.kind, t.stepUuid, t.dispatchId]),
    );
  }

  /** Eager dispatches are not queued: the reporting consumer claims them, or their claim timeout queues them. */
  private insertOutbox(dispatches: Dispatch[], now: number): void {
    insertChunked(
      this.sql,
      "outbox",
      ["dispatch_id", "step_uuid", "attempt", "created_at"],
      dispatches.filter((d) => !d.eager).map((d) => [d.dispatchId, d.stepUuid, d.attempt, now]),
      "INSERT OR REPLACE",
    );
  }

  /** Timers due by `now` that may fire: while the task is paused its held step timers stay where they are. */
  dueTimers(now: number, limit: number): TimerRow[] {
    return this.sql
      .exec<TimerRow & Record<string, SqlStorageValue>>(
        `SELECT id, due_at, kind, step_uuid, dispatch_id FROM timers WHERE due_at <= ? AND (${FIRABLE}) ORDER BY due_at, id LIMIT ?`,
        now,
        ...FIRING_WHILE_PAUSED,
        limit,
      )
      .toArray();
  }

  postponeTimer(id: number, dueAt: number): void {
    this.sql.exec("UPDATE timers SET due_at = ? WHERE id = ?", dueAt, id);
  }

  deleteTimer(id: number): void {
    this.sql.exec("DELETE FROM timers WHERE id = ?", id);
  }

  /** When the alarm must next run: the earliest timer that may fire now (a paused task's held ones wait). */
  nextTimerDue(): number | null {
    return this.sql
      .exec<{ due: number | null }>(`SELECT MIN(due_at) AS due FROM timers WHERE ${FIRABLE}`, ...FIRING_WHILE_PAUSED)
      .one().due;
  }
}

function batchMembership(inputs: BatchWorkerInputs): StepRuntime["batch"] {
  return {
    group: inputs.batch_metadata.batchable_step,
    parallelism: inputs.batch_metadata.parallelism,
    failureStrategy: inputs.batch_metadata.failure_strategy,
  };
}
