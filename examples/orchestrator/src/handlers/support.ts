// Helpers shared by the example handlers: money rounding and reading required dependency results.

import { PermanentError, type StepContext } from "tasker-edge/worker";

/** A plain object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rounds an amount to cents, so sums of prices do not carry floating-point dust into results. */
export function roundCents(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/**
 * The result of an ancestor step that this handler cannot work without. Its absence means the
 * template wired the step wrongly, which no retry fixes, hence a permanent error.
 */
export function requireDependency(context: StepContext, stepName: string): Record<string, unknown> {
  const result = context.getDependencyResult(stepName);
  if (!isRecord(result)) {
    throw new PermanentError(`step ${context.stepName} needs the result of ${stepName}, which is missing`, {
      errorCode: "missing_dependency",
      context: { dependency: stepName },
    });
  }
  return result;
}

/** A non-blank string from the task context, or undefined. */
export function nonBlankInput(context: StepContext, key: string): string | undefined {
  const value = context.getInput(key);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
