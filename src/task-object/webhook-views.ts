// Shapes the webhook outbox's rows into the deliveries view of `GET /v1/tasks/{task_uuid}/deliveries`.
import type { z } from "zod";
import type { WebhookDeliverySchema } from "../contract/responses";
import type { WebhookEvent } from "../shared/webhooks";
import type { AttemptRow, DeliveryRow } from "./webhook-store";

export type WebhookDeliveryView = z.output<typeof WebhookDeliverySchema>;

/** Deliveries the view lists, newest first; a task raises one per endpoint and event, so this is rarely reached. */
export const MAX_LISTED_DELIVERIES = 100;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function deliveryView(delivery: DeliveryRow, attempts: AttemptRow[]): WebhookDeliveryView {
  return {
    delivery_id: delivery.delivery_id,
    event: delivery.event as WebhookEvent,
    url: delivery.url,
    status: delivery.status,
    attempts: delivery.attempts,
    created_at: new Date(delivery.created_at).toISOString(),
    next_attempt_at: iso(delivery.next_attempt_at),
    finished_at: iso(delivery.finished_at),
    attempt_log: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: new Date(a.started_at).toISOString(),
      duration_ms: a.duration_ms,
      status_code: a.status_code,
      error: a.error,
      outcome: a.outcome,
    })),
  };
}
