// The task object's SQL: creating a task's rows, loading the engine's view, and writing its changes.

import { type BatchWorkerInputs, initialStepNames } from "../engine/dynamic-steps";
import type { NamespaceScope } from "../engine/namespace-scope";
import { isTerminalTaskState, type StepState, type TaskState } from "../engine/states";
import { runsAsFor } from "../engine/sub-workflow";
import type { Changes, Dispatch, StepRuntime, TimerSpec } from "../engine/task-run";
import { SQL_PARAMS_PER_STATEMENT } from "../shared/limits";
import type { StepDefinition, TaskTemplate } from "../templates/types";

/** Where a child task came from: its parent task, the step waiting for it, and the chain of templates above it. */
export interface ParentLink {
  task_uuid: string;
  step_uuid: string;
  step_name: string;
  dispatch_id: string;
  /** Template keys from the root task down to the parent. */
  lineage: string[];
}

export interface NewTask {
  task_uuid: string;
  template: TaskTemplate;
  context: Record<string, unknown>;
  initiator: string;
  source_system: string;
  reason: string;
  priority: number;
  tags: string[];
  correlation_id: string;
  parent_correlation_id: string | null;
  queue_binding: string;
  parent?: ParentLink | null;
  /** The principal whose request created the task (or its root task), as the audit names it; null: not recorded. */
  created_by: string | null;
  /** The namespaces the task's child tasks may run in; null: every one. A child inherits both. */
  namespace_scope: NamespaceScope;
}

export interface TaskRow {
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  state: TaskState;
  context: string;
  initiator: string;
  source_system: string;
  reason: string;
  priority: number;
  tags: string;
  correlation_id: string;
  parent_correlation_id: string | null;
  queue_binding: string;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  parent_task_uuid: string | null;
  parent_step_uuid: string | null;
  parent_step_name: string | null;
  parent_dispatch_id: string | null;
  lineage: string;
  /** Null on tasks created before it was recorded. */
  created_by: string | null;
  /** JSON array of namespaces, or null: every one. */
  namespace_scope: string | null;
}

export interface StepRow {
  step_uuid: string;
  name: string;
  position: number;
  type: string;
  definition: string;
  state: StepState;
  attempts: number;
  remaining_parents: number;
  dispatch_id: string | null;
  next_retry_at: number | null;
  results: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  last_attempted_at: number | null;
  completed_at: number | null;
  inputs: string | null;
  child_task_uuid: string | null;
}

/** Work for other objects, written in the same transaction as the change that calls for it. */
export type Effect =
  | { kind: "start_child"; step_uuid: string; dispatch_id: string; child_task_uuid: string }
  | { kind: "cancel_child"; child_task_uuid: string; reason: string }
  | {
      kind: "notify_parent";
      parent_task_uuid: string;
      parent_step_uuid: string;
      parent_dispatch_id: string;
      child_task_uuid: string;
      status: string;
      results: Record<string, unknown>;
    }
  /** The task's row in the task index needs writing; `attempts` counts failed writes (task-index-effect.ts). */
  | { kind: "index_task"; attempts: number };

export interface EffectRow {
  id: number;
  effect: Effect;
}

export interface ParentRef {
  name: string;
  state: StepState;
}

export interface TimerRow {
  id: number;
  due_at: number;
  kind: string;
  step_uuid: string | null;
  dispatch_id: string | null;
}

export interface OutboxRow {
  dispatch_id: string;
  step_uuid: string;
  attempt: number;
}

/** Timer kind the object itself uses to re-send outbox rows a crash or a failed send left behind. */
export const OUTBOX_FLUSH_TIMER = "outbox_flush";

type SqlValue = string | number | null;

/** Inserts rows in chunks so that no statement binds more than SQLite's 100 parameters. */
function insertChunked(sql: SqlStorage, table: string, columns: string[], rows: SqlValue[][]): void {
  const perStatement = Math.max(1, Math.floor(SQL_PARAMS_PER_STATEMENT / columns.length));
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    sql.exec(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")}`, ...chunk.flat());
  }
}

function deleteChunked(sql: SqlStorage, table: string, column: string, values: string[]): void {
  for (let i = 0; i < values.length; i += SQL_PARAMS_PER_STATEMENT) {
    const chunk = values.slice(i, i + SQL_PARAMS_PER_STATEMENT);
    sql.exec(`DELETE FROM ${table} WHERE ${column} IN (${chunk.map(() => "?").join(", ")})`, ...chunk);
  }
}

export class TaskStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The task row without its template snapshot, which is written once and never needed on the hot path. */
  task(): TaskRow | null {
    return (
      this.sql
        .exec<TaskRow & Record<string, SqlStorageValue>>(
          `SELECT task_uuid, namespace, name, version, state, context, initiator, source_system, reason, priority, tags,
             correlation_id, parent_correlation_id, queue_binding, created_at, updated_at, completed_at,
             parent_task_uuid, parent_step_uuid, parent_step_name, parent_dispatch_id, lineage, created_by, namespace_scope
           FROM task LIMIT 1`,
        )
        .toArray()[0] ?? null
    );
  }

  /** The template snapshot the task was created from; read only when a decision or batch creates steps. */
  template(): TaskTemplate {
    const row = this.sql.exec<{ template: string }>("SELECT template FROM task LIMIT 1").one();
    return JSON.parse(row.template) as TaskTemplate;
  }

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
      });
    }
    for (const edge of this.sql.exec<{ parent_uuid: string; child_uuid: string }>("SELECT parent_uuid, child_uuid FROM edges")) {
      steps.get(edge.parent_uuid)?.children.push(edge.child_uuid);
      steps.get(edge.child_uuid)?.parents.push(edge.parent_uuid);
    }
    return [...steps.values()];
  }

  /** Writes one engine operation's changes. Must run inside `transactionSync`. */
  applyChanges(changes: Changes, steps: Map<string, StepRuntime>, taskState: TaskState, now: number): void {
    this.insertCreatedSteps(changes);
    if (changes.taskTransitions.length > 0) {
      this.sql.exec(
        "UPDATE task SET state = ?, updated_at = ?, completed_at = ? WHERE 1",
        taskState,
        now,
        isTerminalTaskState(taskState) ? now : null,
      );
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
    const started = new Set(changes.stepTransitions.filter((t) => t.to === "in_progress").map((t) => t.stepUuid));
    for (const uuid of changes.touchedSteps) {
      const step = steps.get(uuid);
      if (!step) continue;
      const finished = step.state === "complete" || step.state === "resolved_manually" || step.state === "cancelled";
      this.sql.exec(
        `UPDATE steps SET state = ?, attempts = ?, remaining_parents = ?, dispatch_id = ?, next_retry_at = ?,
           updated_at = ?, last_attempted_at = CASE WHEN ? THEN ? ELSE last_attempted_at END,
           completed_at = CASE WHEN ? THEN COALESCE(completed_at, ?) ELSE NULL END
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
        uuid,
      );
    }
    for (const [uuid, result] of changes.results) {
      this.sql.exec("UPDATE steps SET results = ? WHERE step_uuid = ?", JSON.stringify(result ?? null), uuid);
    }
    for (const [uuid, error] of changes.errors) {
      this.sql.exec("UPDATE steps SET last_error = ? WHERE step_uuid = ?", JSON.stringify(error), uuid);
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

  insertEffects(effects: Effect[], now: number): void {
    insertChunked(
      this.sql,
      "effects",
      ["kind", "payload", "created_at"],
      effects.map((effect) => [effect.kind, JSON.stringify(effect), now]),
    );
  }

  pendingEffects(limit: number): EffectRow[] {
    return this.sql
      .exec<{ id: number; payload: string }>(
        "SELECT id, payload FROM effects WHERE kind != 'index_task' ORDER BY id LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => ({ id: row.id, effect: JSON.parse(row.payload) as Effect }));
  }

  deleteEffect(id: number): void {
    this.sql.exec("DELETE FROM effects WHERE id = ?", id);
  }

  setChildTask(stepUuid: string, childTaskUuid: string): void {
    this.sql.exec("UPDATE steps SET child_task_uuid = ? WHERE step_uuid = ?", childTaskUuid, stepUuid);
  }

  /** Results of the completed steps, by name: what a finished child task hands its parent step. */
  completedResults(): Record<string, unknown> {
    const results: Record<string, unknown> = {};
    for (const row of this.sql.exec<{ name: string; results: string | null }>(
      "SELECT name, results FROM steps WHERE state = 'complete' ORDER BY position",
    )) {
      results[row.name] = row.results === null ? null : JSON.parse(row.results);
    }
    return results;
  }

  /** The steps that started child tasks: for the parent's task view. */
  childTasks(): { step_uuid: string; step_name: string; child_task_uuid: string }[] {
    return this.sql
      .exec<{ step_uuid: string; step_name: string; child_task_uuid: string }>(
        "SELECT step_uuid, name AS step_name, child_task_uuid FROM steps WHERE child_task_uuid IS NOT NULL ORDER BY position",
      )
      .toArray();
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
    for (const d of dispatches) {
      if (d.eager) continue;
      this.sql.exec(
        "INSERT OR REPLACE INTO outbox (dispatch_id, step_uuid, attempt, created_at) VALUES (?, ?, ?, ?)",
        d.dispatchId,
        d.stepUuid,
        d.attempt,
        now,
      );
    }
  }

  /** Arms the outbox safety net once: if the sends after this transaction never happen, the alarm retries them. */
  ensureOutboxFlushTimer(dueAt: number): void {
    const existing = this.sql.exec("SELECT 1 FROM timers WHERE kind = ? LIMIT 1", OUTBOX_FLUSH_TIMER).toArray();
    if (existing.length === 0) {
      this.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, ?)", dueAt, OUTBOX_FLUSH_TIMER);
    }
  }

  clearOutboxFlushTimer(): void {
    this.sql.exec("DELETE FROM timers WHERE kind = ?", OUTBOX_FLUSH_TIMER);
  }

  /** Whether unsent messages or unperformed effects (other than the index write, which has its own timer) remain. */
  hasPendingOutboxWork(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0 ||
      this.sql.exec("SELECT 1 FROM effects WHERE kind != 'index_task' LIMIT 1").toArray().length > 0
    );
  }

  pendingOutbox(limit: number): OutboxRow[] {
    return this.sql
      .exec<OutboxRow & Record<string, SqlStorageValue>>(
        "SELECT dispatch_id, step_uuid, attempt FROM outbox ORDER BY created_at, rowid LIMIT ?",
        limit,
      )
      .toArray();
  }

  removeOutbox(rows: OutboxRow[]): void {
    for (const row of rows) {
      this.sql.exec("DELETE FROM outbox WHERE dispatch_id = ? AND attempt = ?", row.dispatch_id, row.attempt);
    }
  }

  dueTimers(now: number, limit: number): TimerRow[] {
    return this.sql
      .exec<TimerRow & Record<string, SqlStorageValue>>(
        "SELECT id, due_at, kind, step_uuid, dispatch_id FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT ?",
        now,
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

  nextTimerDue(): number | null {
    return this.sql.exec<{ due: number | null }>("SELECT MIN(due_at) AS due FROM timers").one().due;
  }

  step(uuid: string): StepRow | null {
    return (
      this.sql.exec<StepRow & Record<string, SqlStorageValue>>("SELECT * FROM steps WHERE step_uuid = ?", uuid).toArray()[0] ??
      null
    );
  }

  /** A page of steps in creation order. */
  steps(offset: number, limit: number): StepRow[] {
    return this.sql
      .exec<StepRow & Record<string, SqlStorageValue>>("SELECT * FROM steps ORDER BY position LIMIT ? OFFSET ?", limit, offset)
      .toArray();
  }

  stepTotal(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM steps").one().n;
  }

  stepCounts(): Map<StepState, number> {
    const counts = new Map<StepState, number>();
    for (const row of this.sql.exec<{ state: StepState; n: number }>("SELECT state, COUNT(*) AS n FROM steps GROUP BY state")) {
      counts.set(row.state, row.n);
    }
    return counts;
  }

  /** The parents (name and state, in creation order) of the given steps, for the step API. */
  parentsOf(childUuids: readonly string[]): Map<string, ParentRef[]> {
    const parents = new Map<string, ParentRef[]>();
    for (let i = 0; i < childUuids.length; i += SQL_PARAMS_PER_STATEMENT) {
      const chunk = childUuids.slice(i, i + SQL_PARAMS_PER_STATEMENT);
      const rows = this.sql.exec<{ child_uuid: string; name: string; state: StepState }>(
        `SELECT e.child_uuid, p.name, p.state FROM edges e JOIN steps p ON p.step_uuid = e.parent_uuid
         WHERE e.child_uuid IN (${chunk.map(() => "?").join(", ")}) ORDER BY p.position`,
        ...chunk,
      );
      for (const row of rows) {
        const list = parents.get(row.child_uuid) ?? [];
        list.push({ name: row.name, state: row.state });
        parents.set(row.child_uuid, list);
      }
    }
    return parents;
  }

  /** A step's direct parents that failed but were tolerated (continue_on_failure), with their errors. */
  failedParents(stepUuid: string): Record<string, { error_code: string; message: string }> {
    const failed: Record<string, { error_code: string; message: string }> = {};
    for (const row of this.sql.exec<{ name: string; last_error: string | null }>(
      `SELECT p.name, p.last_error FROM edges e JOIN steps p ON p.step_uuid = e.parent_uuid
       WHERE e.child_uuid = ? AND p.state = 'error' ORDER BY p.position`,
      stepUuid,
    )) {
      const error = row.last_error === null ? null : (JSON.parse(row.last_error) as { error_code: string; message: string });
      failed[row.name] = { error_code: error?.error_code ?? "unknown", message: error?.message ?? "" };
    }
    return failed;
  }

  /**
   * Results of every completed ancestor of a step, keyed by step name (what handlers may read).
   * CROSS JOIN keeps the ancestors as the outer loop: without statistics the planner may otherwise
   * scan every step of the task for each claim.
   */
  ancestorResults(stepUuid: string): Record<string, unknown> {
    const rows = this.sql.exec<{ name: string; results: string | null }>(
      `WITH RECURSIVE ancestors(uuid) AS (
         SELECT parent_uuid FROM edges WHERE child_uuid = ?
         UNION SELECT e.parent_uuid FROM edges e JOIN ancestors a ON e.child_uuid = a.uuid
       )
       SELECT s.name, s.results FROM ancestors a CROSS JOIN steps s ON s.step_uuid = a.uuid
       WHERE s.state = 'complete'`,
      stepUuid,
    );
    const results: Record<string, unknown> = {};
    for (const row of rows) results[row.name] = row.results === null ? null : JSON.parse(row.results);
    return results;
  }

  taskTransitions(): TransitionRow[] {
    return this.sql
      .exec<TransitionRow & Record<string, SqlStorageValue>>(
        "SELECT from_state, to_state, event, metadata, recorded_at FROM task_transitions ORDER BY id",
      )
      .toArray();
  }

  stepTransitions(stepUuid: string): TransitionRow[] {
    return this.sql
      .exec<TransitionRow & Record<string, SqlStorageValue>>(
        "SELECT from_state, to_state, event, metadata, recorded_at FROM step_transitions WHERE step_uuid = ? ORDER BY id",
        stepUuid,
      )
      .toArray();
  }
}

export interface TransitionRow {
  from_state: string | null;
  to_state: string;
  event: string;
  metadata: string;
  recorded_at: number;
}

function batchMembership(inputs: BatchWorkerInputs): StepRuntime["batch"] {
  return {
    group: inputs.batch_metadata.batchable_step,
    parallelism: inputs.batch_metadata.parallelism,
    failureStrategy: inputs.batch_metadata.failure_strategy,
  };
}
