// Waits for every submitted task to settle, reading only the task index (D1), never a task's own object.
import type { Api } from "./http.ts";

export interface IndexRow {
  task_uuid: string;
  name: string;
  namespace: string;
  status: string;
  source_system: string;
  correlation_id: string;
  parent_correlation_id: string | null;
  total_steps: number;
  created_at: string;
  updated_at: string;
}

const TERMINAL = new Set(["complete", "error", "cancelled", "resolved_manually"]);

/** Terminal, or blocked: nothing more happens without an operator (whether the block is legitimate is checked later). */
export function isSettledStatus(status: string): boolean {
  return TERMINAL.has(status) || status === "blocked_by_failures";
}

/**
 * Every index row of the run's initiator (child tasks inherit it). `GET /v1/tasks` answers from
 * D1 and wakes no task object. Rows created after the first page was read are left for the next
 * read, so paging by offset never skips a row.
 */
export async function readIndex(api: Api, initiator: string): Promise<Map<string, IndexRow>> {
  const rows = new Map<string, IndexRow>();
  const before = new Date(Date.now() + 1).toISOString();
  for (let page = 1; ; page++) {
    const query = new URLSearchParams({ initiator, created_before: before, per_page: "100", page: String(page) });
    const body = await api.get<{ tasks: IndexRow[]; pagination: { has_next: boolean } }>(`/v1/tasks?${query}`);
    for (const row of body.tasks) rows.set(row.task_uuid, row);
    if (!body.pagination.has_next) return rows;
  }
}

/** A root task and the child tasks its sub-workflow steps started (same correlation id), as the index shows them. */
export interface Family {
  root: string;
  rootRow: IndexRow | undefined;
  children: IndexRow[];
}

export function families(roots: readonly string[], index: Map<string, IndexRow>): Family[] {
  const childrenOf = new Map<string, IndexRow[]>();
  for (const row of index.values()) {
    if (row.parent_correlation_id === null) continue;
    const list = childrenOf.get(row.parent_correlation_id) ?? [];
    list.push(row);
    childrenOf.set(row.parent_correlation_id, list);
  }
  return roots.map((root) => {
    const rootRow = index.get(root);
    return { root, rootRow, children: rootRow ? (childrenOf.get(rootRow.correlation_id) ?? []) : [] };
  });
}

/**
 * Whether a family is done moving: every member settled, or the root still running only because
 * a child is blocked (a parent's workflow step waits for its blocked child, by design). Both are
 * confirmed from the objects once everything has settled.
 */
export function isQuiescent(family: Family): boolean {
  if (!family.rootRow) return false;
  if (!family.children.every((child) => isSettledStatus(child.status))) return false;
  if (isSettledStatus(family.rootRow.status)) return true;
  return family.children.some((child) => child.status === "blocked_by_failures");
}

export interface SettleResult {
  settled: boolean;
  elapsedMs: number;
  index: Map<string, IndexRow>;
  unsettled: Family[];
  polls: number;
}

/** Polls the index every second until every family is quiescent or `boundMs` has passed. */
export async function waitForSettle(
  api: Api,
  initiator: string,
  roots: readonly string[],
  boundMs: number,
  onPoll: (pending: number, elapsedMs: number) => void,
): Promise<SettleResult> {
  const started = Date.now();
  let polls = 0;
  for (;;) {
    const index = await readIndex(api, initiator);
    polls++;
    const unsettled = families(roots, index).filter((family) => !isQuiescent(family));
    const elapsedMs = Date.now() - started;
    onPoll(unsettled.length, elapsedMs);
    if (unsettled.length === 0) return { settled: true, elapsedMs, index, unsettled, polls };
    if (elapsedMs > boundMs) return { settled: false, elapsedMs, index, unsettled, polls };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
