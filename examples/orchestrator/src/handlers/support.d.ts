import { type StepContext } from "tasker-edge/worker";
/** A plain object: not null, not an array. */
export declare function isRecord(value: unknown): value is Record<string, unknown>;
/** Rounds an amount to cents, so sums of prices do not carry floating-point dust into results. */
export declare function roundCents(amount: number): number;
/**
 * The result of an ancestor step that this handler cannot work without. Its absence means the
 * template wired the step wrongly, which no retry fixes, hence a permanent error.
 */
export declare function requireDependency(context: StepContext, stepName: string): Record<string, unknown>;
/** A non-blank string from the task context, or undefined. */
export declare function nonBlankInput(context: StepContext, key: string): string | undefined;
