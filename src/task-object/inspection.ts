// A read-only snapshot of everything the object holds — its rows, timers, outbox, effects and alarm — for tests and diagnosis.
import type { TaskState } from "../engine/states";
import type { Effect, OutboxRow, StepRow, TimerRow } from "./rows";

export interface InspectedTransition {
  id: number;
  /** Null on task transitions. */
  step_uuid: string | null;
  from_state: string | null;
  to_state: string;
  event: string;
}

export interface TaskInspection {
  /** Null when the object never received a task. */
  task: { task_uuid: string; state: TaskState; queue_binding: string; paused_at: number | null } | null;
  steps: StepRow[];
  edges: { parent_uuid: string; child_uuid: string }[];
  taskTransitions: InspectedTransition[];
  stepTransitions: InspectedTransition[];
  timers: TimerRow[];
  outbox: OutboxRow[];
  /** Pending effects, the task index write (`index_task`) included. */
  effects: { id: number; effect: Effect }[];
  alarm: number | null;
  databaseBytes: number;
}

const rows = <T>(sql: SqlStorage, query: string): T[] => sql.exec(query).toArray() as T[];

export async function inspect(storage: DurableObjectStorage, initialised: boolean): Promise<TaskInspection> {
  const { sql } = storage;
  const alarm = await storage.getAlarm();
  if (!initialised) {
    const empty = { steps: [], edges: [], taskTransitions: [], stepTransitions: [], timers: [], outbox: [], effects: [] };
    return { task: null, ...empty, alarm, databaseBytes: sql.databaseSize };
  }
  return {
    task: rows<TaskInspection["task"]>(sql, "SELECT task_uuid, state, queue_binding, paused_at FROM task LIMIT 1")[0] ?? null,
    steps: rows(sql, "SELECT * FROM steps ORDER BY position"),
    edges: rows(sql, "SELECT parent_uuid, child_uuid FROM edges"),
    taskTransitions: rows(sql, "SELECT id, NULL AS step_uuid, from_state, to_state, event FROM task_transitions ORDER BY id"),
    stepTransitions: rows(sql, "SELECT id, step_uuid, from_state, to_state, event FROM step_transitions ORDER BY id"),
    timers: rows(sql, "SELECT id, due_at, kind, step_uuid, dispatch_id FROM timers ORDER BY due_at, id"),
    outbox: rows(sql, "SELECT dispatch_id, step_uuid, attempt FROM outbox ORDER BY created_at, rowid"),
    effects: rows<{ id: number; payload: string }>(sql, "SELECT id, payload FROM effects ORDER BY id").map((row) => ({
      id: row.id,
      effect: JSON.parse(row.payload) as Effect,
    })),
    alarm,
    databaseBytes: sql.databaseSize,
  };
}
