// The task object's read queries: the task, its steps, parents, results and transitions, as rows.
import type { StepState } from "../engine/states";
import { SQL_PARAMS_PER_STATEMENT } from "../shared/limits";
import type { TaskTemplate } from "../templates/types";
import { PURGE_TIMER } from "./retention";
import type { ParentRef, StepRow, TaskRow, TransitionRow } from "./rows";

/** Narrows a step listing: one batch's workers (by its batchable step's name), one state; null: no narrowing. */
export interface StepFilter {
  batch: string | null;
  state: StepState | null;
}

export const NO_STEP_FILTER: StepFilter = { batch: null, state: null };

export interface BatchCountRow {
  batchable_step: string;
  state: StepState;
  n: number;
}

/** A worker's batch: the batchable step recorded in the inputs its batch gave it (engine/dynamic-steps.ts). */
const BATCHABLE_STEP = "json_extract(inputs, '$.batch_metadata.batchable_step')";

function stepWhere(filter: StepFilter): { sql: string; params: string[] } {
  const clauses: string[] = [];
  const params: string[] = [];
  if (filter.batch !== null) {
    clauses.push(`type = 'batch_worker' AND ${BATCHABLE_STEP} = ?`);
    params.push(filter.batch);
  }
  if (filter.state !== null) {
    clauses.push("state = ?");
    params.push(filter.state);
  }
  return { sql: clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`, params };
}

export class ReadQueries {
  constructor(private readonly sql: SqlStorage) {}

  /** The task row without its template snapshot, which is written once and never needed on the hot path. */
  task(): TaskRow | null {
    return (
      this.sql
        .exec<TaskRow & Record<string, SqlStorageValue>>(
          `SELECT task_uuid, namespace, name, version, state, context, initiator, source_system, reason, priority, tags,
             correlation_id, parent_correlation_id, queue_binding, created_at, updated_at, completed_at,
             parent_task_uuid, parent_step_uuid, parent_step_name, parent_dispatch_id, lineage, created_by, namespace_scope,
             paused_at, pause, purged_at, (SELECT MIN(due_at) FROM timers WHERE kind = '${PURGE_TIMER}') AS purge_at
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

  step(uuid: string): StepRow | null {
    return (
      this.sql.exec<StepRow & Record<string, SqlStorageValue>>("SELECT * FROM steps WHERE step_uuid = ?", uuid).toArray()[0] ??
      null
    );
  }

  /** A page of steps in creation order, optionally only one batch's workers and/or one state. */
  steps(offset: number, limit: number, filter: StepFilter = NO_STEP_FILTER): StepRow[] {
    const where = stepWhere(filter);
    return this.sql
      .exec<StepRow & Record<string, SqlStorageValue>>(
        `SELECT * FROM steps ${where.sql} ORDER BY position LIMIT ? OFFSET ?`,
        ...where.params,
        limit,
        offset,
      )
      .toArray();
  }

  stepTotal(filter: StepFilter = NO_STEP_FILTER): number {
    const where = stepWhere(filter);
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM steps ${where.sql}`, ...where.params).one().n;
  }

  /** Every step that is not a batch worker, in creation order: the graph without its (possibly thousands of) workers. */
  stepsBesideWorkers(): StepRow[] {
    return this.sql
      .exec<StepRow & Record<string, SqlStorageValue>>("SELECT * FROM steps WHERE type != 'batch_worker' ORDER BY position")
      .toArray();
  }

  /** Each batch's workers counted per state in one GROUP BY, in the order the batches were created. */
  batchCounts(): BatchCountRow[] {
    return this.sql
      .exec<BatchCountRow & Record<string, SqlStorageValue>>(
        `SELECT ${BATCHABLE_STEP} AS batchable_step, state, COUNT(*) AS n
         FROM steps WHERE type = 'batch_worker' GROUP BY batchable_step, state ORDER BY MIN(position)`,
      )
      .toArray();
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

  /** The stored results (JSON text, null when none) of the given steps, by uuid. */
  resultsOf(stepUuids: readonly string[]): Map<string, string | null> {
    const results = new Map<string, string | null>();
    for (let i = 0; i < stepUuids.length; i += SQL_PARAMS_PER_STATEMENT) {
      const chunk = stepUuids.slice(i, i + SQL_PARAMS_PER_STATEMENT);
      for (const row of this.sql.exec<{ step_uuid: string; results: string | null }>(
        `SELECT step_uuid, results FROM steps WHERE step_uuid IN (${chunk.map(() => "?").join(", ")})`,
        ...chunk,
      )) {
        results.set(row.step_uuid, row.results);
      }
    }
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
