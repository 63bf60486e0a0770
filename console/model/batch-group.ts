// A batch's workers as one group: which worker template a runtime step belongs to, counts per state, the group's state, the path of a page of its workers.
import type { StepView } from "../../src/client/types";

export type StepState = StepView["current_state"];
/** A node's state: a step's, or `not_created` for a template step the task has not created (yet, or ever). */
export type NodeState = StepState | "not_created";

/** Workers shown per page when a group is expanded. */
export const WORKERS_PER_PAGE = 50;

const IN_FLIGHT: ReadonlySet<StepState> = new Set([
  "enqueued",
  "in_progress",
  "enqueued_for_orchestration",
  "enqueued_as_error_for_orchestration",
]);

/**
 * The worker template (a template step of type `batch_worker`) a runtime batch worker was made from:
 * workers are named `<worker template>_<batch id>`, so the longest template name that prefixes the
 * step's name. Null for a step that is not a batch worker or matches no worker template.
 */
export function workerTemplateOf(step: Pick<StepView, "name" | "type">, workerTemplates: readonly string[]): string | null {
  if (step.type !== "batch_worker") return null;
  let best: string | null = null;
  for (const template of workerTemplates) {
    if (step.name.startsWith(`${template}_`) && (best === null || template.length > best.length)) best = template;
  }
  return best;
}

/** How many steps are in each state (only the states present). */
export function countByState(steps: readonly Pick<StepView, "current_state">[]): Partial<Record<StepState, number>> {
  const counts: Partial<Record<StepState, number>> = {};
  for (const step of steps) counts[step.current_state] = (counts[step.current_state] ?? 0) + 1;
  return counts;
}

/**
 * One colour for a whole group: a failure shows first (it is what an operator must see), then work
 * under way, then waiting, and a group is complete only when every worker is.
 */
export function groupState(counts: Partial<Record<StepState, number>>): NodeState {
  const has = (state: StepState) => (counts[state] ?? 0) > 0;
  const states = Object.keys(counts) as StepState[];
  if (states.length === 0) return "not_created";
  if (has("error")) return "error";
  if (states.some((state) => IN_FLIGHT.has(state))) return "in_progress";
  if (has("waiting_for_retry")) return "waiting_for_retry";
  if (has("pending")) return "pending";
  if (has("cancelled")) return "cancelled";
  if (has("resolved_manually")) return "resolved_manually";
  return "complete";
}

/** What an expanded group shows: one state's workers (null: all) and which page. */
export interface WorkerPageView {
  state: StepState | null;
  page: number;
}

/**
 * The API path of one page of a batch's workers, optionally one state's: the server filters and
 * pages, so an expanded group of 10,000 workers reads 50 of them.
 */
export function workerPagePath(
  taskUuid: string,
  batchableStep: string,
  view: WorkerPageView,
  perPage: number = WORKERS_PER_PAGE,
): string {
  const query = new URLSearchParams({ batch: batchableStep });
  if (view.state !== null) query.set("state", view.state);
  query.set("page", String(Math.max(1, Math.floor(view.page))));
  query.set("per_page", String(perPage));
  return `/v1/tasks/${taskUuid}/workflow_steps?${query.toString()}`;
}
