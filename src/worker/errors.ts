// The two error classes handlers throw, and the classification of any thrown value into a failure.

/** Longest failure message the SDK reports; longer messages are cut so outcomes stay small. */
export const MAX_ERROR_MESSAGE_LENGTH = 2_000;

export interface PermanentErrorOptions {
  errorCode?: string;
  context?: Record<string, unknown>;
  cause?: unknown;
}

export interface RetryableErrorOptions {
  errorCode?: string;
  /** Ask the task object to wait at least this long before the next attempt. */
  retryAfterMs?: number;
  context?: Record<string, unknown>;
  cause?: unknown;
}

/** A failure no retry can fix (bad input, a refused request): the step fails without another attempt. */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
  readonly code: string;
  readonly retryable = false;
  readonly context: Record<string, unknown> | undefined;

  constructor(message: string, options: PermanentErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.errorCode ?? "permanent_error";
    this.context = options.context;
  }
}

/** A transient failure (a timeout, an unavailable service): the step is retried with backoff. */
export class RetryableError extends Error {
  override readonly name = "RetryableError";
  readonly code: string;
  readonly retryable = true;
  readonly retryAfterMs: number | undefined;
  readonly context: Record<string, unknown> | undefined;

  constructor(message: string, options: RetryableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.errorCode ?? "retryable_error";
    this.retryAfterMs = options.retryAfterMs;
    this.context = options.context;
  }
}

/** What a thrown value means for the step, in the terms of the reported outcome. */
export interface ClassifiedFailure {
  message: string;
  errorCode: string;
  errorType: "permanent_error" | "retryable_error" | "handler_error";
  retryable: boolean;
  retryAfterMs?: number;
  context?: Record<string, unknown>;
}

/**
 * Classifies by the `name` and `retryable` fields, not only `instanceof`: a handler bundle may carry
 * its own copy of the SDK, or an error may have crossed an RPC boundary, and either breaks identity.
 */
export function classifyError(error: unknown): ClassifiedFailure {
  const fields = isObject(error) ? error : {};
  const message = truncateMessage(messageOf(error));
  const code = typeof fields.code === "string" && fields.code.length > 0 ? fields.code : undefined;
  const context = isObject(fields.context) ? fields.context : undefined;
  const retryAfterMs = typeof fields.retryAfterMs === "number" ? fields.retryAfterMs : undefined;

  if (fields.name === "PermanentError" || (fields.name !== "RetryableError" && fields.retryable === false)) {
    return withOptional(
      { message, errorCode: code ?? "permanent_error", errorType: "permanent_error", retryable: false },
      { context },
    );
  }
  if (fields.name === "RetryableError" || fields.retryable === true) {
    return withOptional(
      { message, errorCode: code ?? "retryable_error", errorType: "retryable_error", retryable: true },
      { context, retryAfterMs },
    );
  }
  return { message, errorCode: "handler_error", errorType: "handler_error", retryable: true };
}

/** Cuts a message to the reported maximum; only the message is kept, never a stack trace. */
export function truncateMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE_LENGTH) return message;
  return `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…`;
}

function messageOf(error: unknown): string {
  if (typeof error === "string") return error || "handler failed";
  if (isObject(error) && typeof error.message === "string" && error.message.length > 0) return error.message;
  if (isObject(error) && typeof error.name === "string" && error.name.length > 0) return error.name;
  return `handler threw a non-Error value (${error === null ? "null" : typeof error})`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function withOptional(
  base: ClassifiedFailure,
  optional: { context?: Record<string, unknown> | undefined; retryAfterMs?: number | undefined },
): ClassifiedFailure {
  const out = { ...base };
  if (optional.context !== undefined) out.context = optional.context;
  if (optional.retryAfterMs !== undefined) out.retryAfterMs = optional.retryAfterMs;
  return out;
}
