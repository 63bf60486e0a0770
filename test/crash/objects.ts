// Reads each task's own records (task view, steps, step audits, task transitions) once everything has settled.
import { type Api, mapLimit } from "./http.ts";

export interface Transition {
  from_state: string | null;
  to_state: string;
  event: string;
  recorded_at: string;
  metadata: Record<string, unknown>;
}

export interface StepRecord {
  step_uuid: string;
  name: string;
  type: string;
  callable: string;
  current_state: string;
  dependencies: string[];
  attempts: number;
  max_attempts: number;
  child_task_uuid: string | null;
  audit: Transition[];
}

export interface TaskRecord {
  task_uuid: string;
  name: string;
  namespace: string;
  status: string;
  created_at: string;
  parent_task_uuid: string | null;
  child_tasks: { step_uuid: string; step_name: string; child_task_uuid: string }[];
  transitions: Transition[];
  steps: StepRecord[];
}

type StepView = Omit<StepRecord, "audit">;

const STEPS_PER_PAGE = 1_000;
const AUDITS_IN_FLIGHT = 8;

/** One task with every step's audit; null when no task lives at that uuid. */
export async function readTask(api: Api, taskUuid: string): Promise<TaskRecord | null> {
  const answer = await api.call("GET", `/v1/tasks/${taskUuid}`);
  if (answer.ok && answer.status === 404) return null;
  if (!answer.ok || answer.status !== 200) throw new Error(`GET /v1/tasks/${taskUuid}: ${JSON.stringify(answer).slice(0, 300)}`);
  const task = answer.body as Omit<TaskRecord, "transitions" | "steps">;
  const views: StepView[] = [];
  for (let page = 1; ; page++) {
    const body = await api.get<{ steps: StepView[]; pagination: { has_next: boolean } }>(
      `/v1/tasks/${taskUuid}/workflow_steps?per_page=${STEPS_PER_PAGE}&page=${page}`,
    );
    views.push(...body.steps);
    if (!body.pagination.has_next) break;
  }
  const steps = await mapLimit(views, AUDITS_IN_FLIGHT, async (view) => {
    const { transitions } = await api.get<{ transitions: Transition[] }>(
      `/v1/tasks/${taskUuid}/workflow_steps/${view.step_uuid}/audit`,
    );
    return { ...view, audit: transitions };
  });
  const { transitions } = await api.get<{ transitions: Transition[] }>(`/v1/tasks/${taskUuid}/transitions`);
  return {
    task_uuid: task.task_uuid,
    name: task.name,
    namespace: task.namespace,
    status: task.status,
    created_at: task.created_at,
    parent_task_uuid: task.parent_task_uuid,
    child_tasks: task.child_tasks,
    transitions,
    steps,
  };
}

/** The roots and, through each object's `child_tasks`, every child task below them. */
export async function readTaskTree(api: Api, roots: readonly string[], inFlight: number): Promise<Map<string, TaskRecord>> {
  const records = new Map<string, TaskRecord>();
  let frontier = [...roots];
  while (frontier.length > 0) {
    const read = await mapLimit(frontier, inFlight, (uuid) => readTask(api, uuid));
    const next: string[] = [];
    read.forEach((record) => {
      if (!record) return;
      records.set(record.task_uuid, record);
      for (const child of record.child_tasks) if (!records.has(child.child_task_uuid)) next.push(child.child_task_uuid);
    });
    frontier = [...new Set(next)];
  }
  return records;
}
