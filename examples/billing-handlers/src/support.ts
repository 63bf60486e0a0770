// Helpers of the billing handlers: the bundle's result marker, required dependency results, money text.
import { PermanentError, type StepContext } from "tasker-edge/worker";

/** Stamped on every result, so a task's steps show which Worker ran them (the tests check it). */
export const HANDLED_BY = "billing-bundle";

/**
 * The result of an ancestor step this handler cannot work without. Its absence means the template
 * wired the step wrongly, which no retry fixes, hence a permanent error.
 */
export function requireResult<T>(context: StepContext, stepName: string): T {
  const result = context.getDependencyResult<T>(stepName);
  if (typeof result !== "object" || result === null) {
    throw new PermanentError(`step ${context.stepName} needs the result of ${stepName}, which is missing`, {
      errorCode: "missing_dependency",
      context: { dependency: stepName },
    });
  }
  return result;
}

/** `9096, "EUR"` → `"90.96 EUR"`, by hand rather than Intl so the text never depends on locale data. */
export function formatCents(cents: number, currency: string): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")} ${currency}`;
}
