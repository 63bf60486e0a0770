// What decision and batchable handlers return: Tasker's decision_point_outcome and batch_processing_outcome.

/** A decision step's result: which of its descendant steps to create. */
export interface DecisionResult {
  decision_point_outcome: { type: "create_steps"; step_names: string[] } | { type: "no_branches" };
  [key: string]: unknown;
}

/** One batch worker's share: items from `start_cursor` (inclusive) to `end_cursor` (exclusive). */
export interface CursorConfig {
  batch_id: string;
  start_cursor: unknown;
  end_cursor: unknown;
  batch_size?: number;
}

/** A batchable step's result: the workers to create, one per cursor, or none. */
export interface BatchResult {
  batch_processing_outcome:
    | { type: "create_batches"; cursor_configs: CursorConfig[]; total_items?: number }
    | { type: "no_batches" };
  [key: string]: unknown;
}

export const DecisionOutcome = {
  /** Create these steps (each a descendant of the decision in the template) and what follows them. */
  createSteps(stepNames: readonly string[], extra: Record<string, unknown> = {}): DecisionResult {
    return { ...extra, decision_point_outcome: { type: "create_steps", step_names: [...stepNames] } };
  },
  /** Create nothing below the decision; convergence steps that wait only on its branches are skipped. */
  noBranches(extra: Record<string, unknown> = {}): DecisionResult {
    return { ...extra, decision_point_outcome: { type: "no_branches" } };
  },
};

export const BatchOutcome = {
  createBatches(cursorConfigs: readonly CursorConfig[], extra: Record<string, unknown> = {}): BatchResult {
    return { ...extra, batch_processing_outcome: { type: "create_batches", cursor_configs: [...cursorConfigs] } };
  },
  /** One no-op placeholder worker is created and completed at once, so the convergence step still runs. */
  noBatches(extra: Record<string, unknown> = {}): BatchResult {
    return { ...extra, batch_processing_outcome: { type: "no_batches" } };
  },
  /**
   * Cursors over the integers [0, totalItems) in slices of `batchSize`, with zero-padded batch ids
   * (`001`, `002`, …) so worker names sort in cursor order.
   */
  rangeCursors(totalItems: number, batchSize: number): CursorConfig[] {
    if (!Number.isInteger(totalItems) || totalItems < 0) throw new RangeError("totalItems must be a whole number ≥ 0");
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be a whole number ≥ 1");
    const count = Math.ceil(totalItems / batchSize);
    const width = Math.max(3, String(count).length);
    return Array.from({ length: count }, (_, i) => ({
      batch_id: String(i + 1).padStart(width, "0"),
      start_cursor: i * batchSize,
      end_cursor: Math.min(totalItems, (i + 1) * batchSize),
      batch_size: batchSize,
    }));
  },
};
