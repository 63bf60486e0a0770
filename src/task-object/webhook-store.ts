// The webhook outbox: deliveries written with the state change that raises them, their attempts, and their one timer.
import type { TaskTransitionRecord } from "../engine/task-run";
import { type WebhookBody, webhookBodyText } from "../engine/webhooks";
import { type WebhookEndpoint, webhookEventFor } from "../shared/webhooks";
import type { TaskRow } from "./rows";

/** Timer kind that wakes the object for the earliest pending delivery (and is the safety net after a commit). */
export const WEBHOOK_TIMER = "webhook_delivery";
/** If the send after a commit never happens, the alarm sends the delivery this much later. */
export const WEBHOOK_SAFETY_DELAY_MS = 5_000;

export type DeliveryStatus = "pending" | "delivered" | "failed";
/** An attempt's outcome: `in_flight` while it runs, `interrupted` when the object restarted before it was recorded. */
export type AttemptOutcome = "in_flight" | "delivered" | "failed" | "interrupted";

export interface DeliveryRow {
  delivery_id: string;
  event: string;
  url: string;
  secret_name: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: number;
  next_attempt_at: number | null;
  finished_at: number | null;
}

export interface AttemptRow {
  id: number;
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number | null;
  status_code: number | null;
  error: string | null;
  outcome: AttemptOutcome;
}

/** What an attempt came to, as the sender records it. */
export interface AttemptResult {
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  /** Null: delivered. Otherwise when to try again, or `"give_up"`. */
  retryAt: number | null | "give_up";
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class WebhookStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The task's endpoints (its template's, then its request's), recorded once with the task. */
  recordEndpoints(endpoints: readonly WebhookEndpoint[]): void {
    if (endpoints.length > 0) this.sql.exec("UPDATE task SET webhooks = ? WHERE 1", JSON.stringify(endpoints));
  }

  endpoints(): WebhookEndpoint[] {
    const row = this.sql.exec<{ webhooks: string }>("SELECT webhooks FROM task").toArray()[0];
    return row ? (JSON.parse(row.webhooks) as WebhookEndpoint[]) : [];
  }

  /**
   * Writes a delivery per subscribed endpoint for each transition into a webhook event's state. Runs
   * inside the transaction that records the transitions (after the task row is updated), so a
   * committed state change always has its deliveries. Returns how many it wrote.
   */
  enqueueFor(transitions: readonly TaskTransitionRecord[], newId: () => string): number {
    const raised = transitions.flatMap((t) => {
      const event = webhookEventFor(t.to);
      return event ? [{ event, transition: t }] : [];
    });
    if (raised.length === 0) return 0;
    const endpoints = this.endpoints();
    if (endpoints.length === 0) return 0;
    const task = this.sql.exec<TaskRow & Record<string, SqlStorageValue>>("SELECT * FROM task").one();
    let written = 0;
    for (const { event, transition } of raised) {
      for (const endpoint of endpoints) {
        if (!endpoint.events.includes(event)) continue;
        const id = newId();
        const body: WebhookBody = {
          id,
          type: event,
          occurred_at: new Date(transition.at).toISOString(),
          task: {
            task_uuid: task.task_uuid,
            namespace: task.namespace,
            name: task.name,
            version: task.version,
            status: transition.to,
            correlation_id: task.correlation_id,
            parent_correlation_id: task.parent_correlation_id,
            created_at: new Date(task.created_at).toISOString(),
            updated_at: new Date(transition.at).toISOString(),
            completed_at: iso(task.completed_at),
          },
        };
        this.sql.exec(
          `INSERT INTO webhook_deliveries (delivery_id, event, url, secret_name, body, status, attempts, created_at, next_attempt_at)
           VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
          id,
          event,
          endpoint.url,
          endpoint.secret,
          webhookBodyText(body),
          transition.at,
          transition.at,
        );
        written += 1;
      }
    }
    if (written > 0) this.armSafetyNet((transitions[transitions.length - 1]?.at ?? Date.now()) + WEBHOOK_SAFETY_DELAY_MS);
    return written;
  }

  /** Pending deliveries whose next attempt is due. */
  dueDeliveries(now: number, limit: number): DeliveryRow[] {
    return this.sql
      .exec<DeliveryRow & Record<string, SqlStorageValue>>(
        `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at, created_at LIMIT ?`,
        now,
        limit,
      )
      .toArray();
  }

  /**
   * Starts an attempt: counts it, records it in flight, and moves the delivery's next attempt to the
   * end of the lease, so a death during the call leaves a durable retry behind. An earlier attempt
   * still in flight was cut short by a restart: it is marked interrupted. Returns the attempt number.
   */
  startAttempt(delivery: DeliveryRow, now: number, leaseUntil: number): number {
    this.sql.exec(
      "UPDATE webhook_attempts SET outcome = 'interrupted', error = ? WHERE delivery_id = ? AND outcome = 'in_flight'",
      "no outcome recorded: the task's object restarted during the attempt",
      delivery.delivery_id,
    );
    const attempt = delivery.attempts + 1;
    this.sql.exec(
      "UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE delivery_id = ?",
      attempt,
      leaseUntil,
      delivery.delivery_id,
    );
    this.sql.exec(
      "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, outcome) VALUES (?, ?, ?, 'in_flight')",
      delivery.delivery_id,
      attempt,
      now,
    );
    return attempt;
  }

  /** Records an attempt's result and what the delivery does next. */
  finishAttempt(deliveryId: string, attempt: number, result: AttemptResult, now: number): void {
    const outcome: AttemptOutcome = result.retryAt === null ? "delivered" : "failed";
    this.sql.exec(
      `UPDATE webhook_attempts SET duration_ms = ?, status_code = ?, error = ?, outcome = ?
       WHERE delivery_id = ? AND attempt = ?`,
      result.durationMs,
      result.statusCode,
      result.error,
      outcome,
      deliveryId,
      attempt,
    );
    if (result.retryAt === null || result.retryAt === "give_up") {
      this.sql.exec(
        "UPDATE webhook_deliveries SET status = ?, next_attempt_at = NULL, finished_at = ? WHERE delivery_id = ?",
        result.retryAt === null ? "delivered" : "failed",
        now,
        deliveryId,
      );
    } else {
      this.sql.exec("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE delivery_id = ?", result.retryAt, deliveryId);
    }
  }

  /** Points the webhook timer at the earliest pending delivery, or removes it when none is pending; writes only on a change. */
  syncTimer(): void {
    const next = this.sql
      .exec<{ due: number | null }>("SELECT MIN(next_attempt_at) AS due FROM webhook_deliveries WHERE status = 'pending'")
      .one().due;
    const timers = this.sql.exec<{ due_at: number }>("SELECT due_at FROM timers WHERE kind = ?", WEBHOOK_TIMER).toArray();
    if (next === null ? timers.length === 0 : timers.length === 1 && timers[0]?.due_at === next) return;
    this.sql.exec("DELETE FROM timers WHERE kind = ?", WEBHOOK_TIMER);
    if (next !== null) this.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, ?)", next, WEBHOOK_TIMER);
  }

  /** On wake-up: pending deliveries left without their timer (a crash, an older release) get one. */
  reconcile(): void {
    if (!this.hasTimer() && this.hasPending()) this.syncTimer();
  }

  hasPending(): boolean {
    return this.sql.exec("SELECT 1 FROM webhook_deliveries WHERE status = 'pending' LIMIT 1").toArray().length > 0;
  }

  private hasTimer(): boolean {
    return this.sql.exec("SELECT 1 FROM timers WHERE kind = ? LIMIT 1", WEBHOOK_TIMER).toArray().length > 0;
  }

  /** The timer fires by `dueAt` at the latest: the safety net of a delivery the after-commit send should make first. */
  private armSafetyNet(dueAt: number): void {
    if (this.hasTimer()) this.sql.exec("UPDATE timers SET due_at = MIN(due_at, ?) WHERE kind = ?", dueAt, WEBHOOK_TIMER);
    else this.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, ?)", dueAt, WEBHOOK_TIMER);
  }

  /** The newest deliveries first, each with its attempts oldest first. */
  deliveries(limit: number): { delivery: DeliveryRow; attempts: AttemptRow[] }[] {
    const deliveries = this.sql
      .exec<DeliveryRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM webhook_deliveries ORDER BY created_at DESC, rowid DESC LIMIT ?",
        limit,
      )
      .toArray();
    return deliveries.map((delivery) => ({
      delivery,
      attempts: this.sql
        .exec<AttemptRow & Record<string, SqlStorageValue>>(
          "SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt, id",
          delivery.delivery_id,
        )
        .toArray(),
    }));
  }

  /** Every delivery, for the inspection RPC of tests. */
  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM webhook_deliveries").one().n;
  }
}
