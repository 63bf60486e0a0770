// Webhook deliveries' pure rules: the body sent, its signature, and when a failed delivery is tried again or given up.
import type { WebhookEvent } from "../shared/webhooks";

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = "Tasker-Signature";
/** Header carrying the delivery's id: the same on every attempt of one delivery, so receivers dedupe by it. */
export const DELIVERY_ID_HEADER = "Tasker-Delivery";
/** Header carrying the event type (`task.completed`, …). */
export const EVENT_HEADER = "Tasker-Event";
/** Header carrying the attempt number (1 for the first). */
export const ATTEMPT_HEADER = "Tasker-Attempt";

/** Attempts of one delivery before it is given up, the first included. */
export const WEBHOOK_MAX_ATTEMPTS = 12;
/** A delivery older than this is given up after its next failure, whatever its attempt count. */
export const WEBHOOK_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** The wait after the first failure; it doubles with each failure up to the cap. */
export const WEBHOOK_RETRY_BASE_MS = 30_000;
export const WEBHOOK_RETRY_MAX_MS = 60 * 60 * 1000;
/** One attempt's deadline: an endpoint that answers later has failed this attempt. */
export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 10_000;

/** What a delivery's body says of its task: enough to act on or to fetch the rest, never the context. */
export interface WebhookTaskSummary {
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  status: string;
  correlation_id: string;
  parent_correlation_id: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface WebhookBody {
  /** The delivery id, as in the `Tasker-Delivery` header. */
  id: string;
  type: WebhookEvent;
  /** When the event happened (the task's transition). */
  occurred_at: string;
  task: WebhookTaskSummary;
}

/** The body's exact text: fixed when the delivery is written, so every attempt signs and sends the same bytes. */
export function webhookBodyText(body: WebhookBody): string {
  return JSON.stringify(body);
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`: the `v1` of the signature header. */
export async function webhookSignature(secret: string, timestamp: number, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`)));
}

/** The signature header's value for an attempt made at `nowMs`. */
export async function signatureHeader(secret: string, nowMs: number, body: string): Promise<string> {
  const timestamp = Math.floor(nowMs / 1000);
  return `t=${timestamp},v1=${await webhookSignature(secret, timestamp, body)}`;
}

/** The wait after the `failures`-th failed attempt (1-based): 30 s, 1 min, 2 min, … capped at 1 h. */
export function webhookRetryDelay(failures: number, retryAfterMs: number | null = null): number {
  const backoff = Math.min(WEBHOOK_RETRY_MAX_MS, WEBHOOK_RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
  // A receiver's Retry-After may ask for longer (never beyond the cap), not shorter.
  return retryAfterMs === null ? backoff : Math.max(backoff, Math.min(retryAfterMs, WEBHOOK_RETRY_MAX_MS));
}

/** After a failed attempt: when to try again, or null when the delivery is given up (attempts or age spent). */
export function nextWebhookAttempt(
  failures: number,
  createdAt: number,
  now: number,
  retryAfterMs: number | null = null,
): number | null {
  if (failures >= WEBHOOK_MAX_ATTEMPTS) return null;
  if (now - createdAt >= WEBHOOK_MAX_AGE_MS) return null;
  return now + webhookRetryDelay(failures, retryAfterMs);
}

/** A `Retry-After` header in seconds (the HTTP-date form is ignored), as milliseconds; null when absent or malformed. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || !/^\d{1,7}$/.test(header.trim())) return null;
  return Number(header.trim()) * 1000;
}
