// Handlers of the number-summing batch templates: plan cursors, sum each range, combine the sums.
import { BatchOutcome, PermanentError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";

const DEFAULT_BATCH_SIZE = 100;

/** The batchable step: one cursor per `batch_size` items of [0, total_items), or no batches for none. */
export class RangePlannerHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const total = context.getInput("total_items");
    if (typeof total !== "number" || !Number.isInteger(total) || total < 0) {
      throw new PermanentError("total_items must be a whole number ≥ 0", { errorCode: "invalid_total_items" });
    }
    const size = context.getInputOr("batch_size", context.getConfig<number>("batch_size") ?? DEFAULT_BATCH_SIZE);
    if (total === 0) return StepHandlerResult.success(BatchOutcome.noBatches({ total_items: 0 }));
    return StepHandlerResult.success(BatchOutcome.createBatches(BatchOutcome.rangeCursors(total, size), { total_items: total }));
  }
}

/** A batch worker: sums the integers of its cursor range. Batches listed in `fail_batches` fail for good. */
export class RangeSumHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const cursor = context.cursor;
    if (!cursor) throw new PermanentError("this handler runs only as a batch worker", { errorCode: "not_a_batch_worker" });
    const failing = context.getInputOr<unknown[]>("fail_batches", []).map(String);
    if (failing.includes(cursor.batch_id)) {
      throw new PermanentError(`batch ${cursor.batch_id} was rejected`, { errorCode: "batch_rejected" });
    }
    const start = Number(cursor.start_cursor);
    const end = Number(cursor.end_cursor);
    // The sum of start … end-1, without a loop.
    const sum = end > start ? ((start + end - 1) * (end - start)) / 2 : 0;
    return StepHandlerResult.success({ batch_id: cursor.batch_id, items: Math.max(0, end - start), sum });
  }
}

/** The convergence step: adds up every worker's sum and names the batches that failed (continue_on_failure). */
export class SumCombinerHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const prefix = context.getConfig<string>("worker_prefix") ?? "sum_batch_";
    const sums = context
      .getAllDependencyResults<{ sum?: number; items?: number; is_no_op?: boolean }>(prefix)
      .filter((result) => !result.is_no_op);
    return StepHandlerResult.success({
      total_sum: sums.reduce((total, result) => total + (result.sum ?? 0), 0),
      items: sums.reduce((total, result) => total + (result.items ?? 0), 0),
      batches_completed: sums.length,
      failed_batches: Object.keys(context.failedDependencies).sort(),
    });
  }
}
