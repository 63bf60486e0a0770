// Turning an HTTP answer from a downstream service into the right failure, honouring Retry-After.
import { PermanentError, RetryableError } from "./errors";

/** Statuses worth another attempt (Tasker's API-handler classification): timeouts, throttling, server errors. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Milliseconds a `Retry-After` header asks to wait: delta-seconds (`"120"`) or an HTTP date.
 * Undefined when the header is absent or unreadable; never negative.
 */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === "") return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The error a handler should throw for a failed HTTP response: retryable for 408/425/429/5xx (with the
 * server's Retry-After as `retryAfterMs`), permanent for everything else.
 */
export function errorFromResponse(response: Response, what = "request"): PermanentError | RetryableError {
  const message = `${what} failed with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const errorCode = `http_${response.status}`;
  const context = { status: response.status };
  if (!RETRYABLE_STATUSES.has(response.status) && response.status < 500) {
    return new PermanentError(message, { errorCode, context });
  }
  const delay = retryAfterMs(response.headers.get("retry-after"));
  return new RetryableError(message, { errorCode, context, ...(delay === undefined ? {} : { retryAfterMs: delay }) });
}
