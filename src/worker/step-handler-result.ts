// A handler's explicit outcome (success with a result, or a described failure) and its wire form.
import type { StepOutcome } from "../engine/protocol";
import { classifyError, truncateMessage } from "./errors";

export interface FailureOptions {
  errorCode?: string;
  /** One of Tasker's error types (`handler_error`, `permanent_error`, `retryable_error`, `timeout`, …). */
  errorType?: string;
  /** Defaults to true, as in Tasker's TypeScript and Python SDKs. */
  retryable?: boolean;
  /** Ask the task object to wait at least this long before the next attempt. */
  retryAfterMs?: number;
  metadata?: Record<string, unknown>;
}

// A registry-wide symbol, so a result built by another copy of the SDK is still recognised.
const BRAND = Symbol.for("tasker-edge.StepHandlerResult");

export class StepHandlerResult {
  readonly [BRAND] = true;
  readonly success: boolean;
  readonly result: unknown;
  readonly metadata: Record<string, unknown> | undefined;
  readonly errorMessage: string | undefined;
  readonly errorCode: string | undefined;
  readonly errorType: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  private constructor(fields: {
    success: boolean;
    result: unknown;
    metadata: Record<string, unknown> | undefined;
    errorMessage?: string;
    errorCode?: string | undefined;
    errorType?: string;
    retryable: boolean;
    retryAfterMs?: number | undefined;
  }) {
    this.success = fields.success;
    this.result = fields.result;
    this.metadata = fields.metadata;
    this.errorMessage = fields.errorMessage;
    this.errorCode = fields.errorCode;
    this.errorType = fields.errorType;
    this.retryable = fields.retryable;
    this.retryAfterMs = fields.retryAfterMs;
  }

  static success(result: unknown, metadata?: Record<string, unknown>): StepHandlerResult {
    return new StepHandlerResult({ success: true, result, metadata, retryable: false });
  }

  static failure(message: string, options: FailureOptions = {}): StepHandlerResult {
    return new StepHandlerResult({
      success: false,
      result: null,
      metadata: options.metadata,
      errorMessage: message,
      errorCode: options.errorCode,
      errorType: options.errorType ?? "handler_error",
      retryable: options.retryable ?? true,
      retryAfterMs: options.retryAfterMs,
    });
  }

  /** The failure a thrown value stands for (see `classifyError`); its context becomes metadata. */
  static fromError(error: unknown): StepHandlerResult {
    const failure = classifyError(error);
    const options: FailureOptions = { errorCode: failure.errorCode, errorType: failure.errorType, retryable: failure.retryable };
    if (failure.retryAfterMs !== undefined) options.retryAfterMs = failure.retryAfterMs;
    if (failure.context !== undefined) options.metadata = { error_context: failure.context };
    return StepHandlerResult.failure(failure.message, options);
  }

  /** True for any StepHandlerResult, including one made by another bundle's copy of this class. */
  static isResult(value: unknown): value is StepHandlerResult {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** The outcome `report(...)` sends to the task object. */
  toOutcome(executionTimeMs: number): StepOutcome {
    const execution_time_ms = Math.max(0, executionTimeMs);
    if (this.success) {
      // `undefined` has no JSON form; a handler that returns nothing succeeded with no result.
      const outcome: StepOutcome = { success: true, result: this.result === undefined ? null : this.result, execution_time_ms };
      if (this.metadata !== undefined) outcome.metadata = this.metadata;
      return outcome;
    }
    const error: Extract<StepOutcome, { success: false }>["error"] = {
      message: truncateMessage(this.errorMessage ?? "handler failed"),
      error_type: this.errorType ?? "handler_error",
      retryable: this.retryable,
    };
    if (this.errorCode !== undefined) error.error_code = this.errorCode;
    // The wire format takes whole non-negative milliseconds; anything else is not a usable delay.
    if (this.retryAfterMs !== undefined && Number.isFinite(this.retryAfterMs) && this.retryAfterMs >= 0) {
      error.retry_after_ms = Math.round(this.retryAfterMs);
    }
    const outcome: StepOutcome = { success: false, error, execution_time_ms };
    if (this.metadata !== undefined) outcome.metadata = this.metadata;
    return outcome;
  }
}
