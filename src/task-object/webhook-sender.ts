// Sends due webhook deliveries after a commit, in the background: signed, one attempt each, every outcome recorded.
import {
  ATTEMPT_HEADER,
  DELIVERY_ID_HEADER,
  EVENT_HEADER,
  nextWebhookAttempt,
  retryAfterMs,
  SIGNATURE_HEADER,
  signatureHeader,
  WEBHOOK_ATTEMPT_TIMEOUT_MS,
} from "../engine/webhooks";
import { log } from "../log";
import { webhookUrlProblem } from "../shared/webhooks";
import type { AwaitPoint } from "./outbox";
import type { AttemptResult, DeliveryRow, WebhookStore } from "./webhook-store";

/** Deliveries attempted at once per round. */
const DELIVERIES_PER_ROUND = 20;
/** How long an attempt holds its delivery: past it, a restart's alarm tries again (the attempt's timeout plus a margin). */
const ATTEMPT_LEASE_MS = WEBHOOK_ATTEMPT_TIMEOUT_MS + 20_000;
/** The Worker variable that lets endpoints on loopback hosts (http or https) be called: development and tests. */
export const ALLOW_LOOPBACK_VARIABLE = "TASKER_WEBHOOKS_ALLOW_LOOPBACK";

/** Whether the env switches loopback endpoints on (`"on"`, `"true"` or `"1"`). */
export function loopbackAllowed(env: unknown): boolean {
  const value = (env as Record<string, unknown> | undefined)?.[ALLOW_LOOPBACK_VARIABLE];
  return typeof value === "string" && ["on", "true", "1"].includes(value.trim().toLowerCase());
}

/** The value of the Worker secret `name`, or null when the env has no such non-empty string. */
export function webhookSecret(env: unknown, name: string): string | null {
  const value = (env as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" && value !== "" ? value : null;
}

export interface WebhookHost {
  env(): Env;
  store: WebhookStore;
  /** Runs `write` in one synchronous transaction and points the alarm at the timers it leaves. */
  commit(write: () => void): void;
  /** The fault lab's seam: may throw to make the object die at this point. */
  reachedAwaitPoint(point: AwaitPoint): void;
  taskUuid(): string | undefined;
}

export class WebhookSender {
  private flushing: Promise<void> | null = null;
  private again = false;
  /** Whether a delivery may be due; starts true so a restart's leftovers are looked at. */
  private dirty = true;

  constructor(private readonly host: WebhookHost) {}

  /** A brand-new object (no schema yet) has no leftovers of a crash: its first flush need not look. */
  nothingLeftOver(): void {
    this.dirty = false;
  }

  /** A commit wrote deliveries, or the webhook timer fired: the next flush looks again. */
  wake(): void {
    this.dirty = true;
    if (this.flushing) this.again = true;
  }

  /** Resolves once no send is running: the tests' way to await the background deliveries. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Attempts every due delivery; resolves when none is due. Never rejects: a failure is recorded and retried later. */
  flush(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        this.dirty = false;
        await this.sendDue();
      } while (this.again);
    })()
      .catch((error: unknown) => {
        // The fault lab's death, or a storage error: the leases and the timer retry whatever was under way.
        log("error", "webhook.flush_failed", { task_uuid: this.host.taskUuid(), error: String(error) });
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private async sendDue(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const due = this.host.store.dueDeliveries(now, DELIVERIES_PER_ROUND);
      if (due.length === 0) {
        // The alarm postpones the timer while a send may be running: point it back at the next attempt.
        if (this.host.store.hasPending()) this.host.commit(() => this.host.store.syncTimer());
        return;
      }
      const started: { delivery: DeliveryRow; attempt: number }[] = [];
      // Every lease is durable (with the timer that ends it) before any request leaves.
      this.host.commit(() => {
        for (const delivery of due)
          started.push({ delivery, attempt: this.host.store.startAttempt(delivery, now, now + ATTEMPT_LEASE_MS) });
        this.host.store.syncTimer();
      });
      this.host.reachedAwaitPoint("before_webhook_send");
      await Promise.all(started.map(({ delivery, attempt }) => this.attempt(delivery, attempt)));
    }
  }

  private async attempt(delivery: DeliveryRow, attempt: number): Promise<void> {
    const env = this.host.env();
    const startedAt = Date.now();
    const outcome = await this.call(env, delivery, attempt, startedAt);
    this.host.reachedAwaitPoint("after_webhook_send");
    const now = Date.now();
    const failed = outcome.statusCode === null || outcome.statusCode < 200 || outcome.statusCode > 299;
    const retryAt = failed ? (nextWebhookAttempt(attempt, delivery.created_at, now, outcome.retryAfter) ?? "give_up") : null;
    const result: AttemptResult = { durationMs: now - startedAt, statusCode: outcome.statusCode, error: outcome.error, retryAt };
    this.host.commit(() => {
      this.host.store.finishAttempt(delivery.delivery_id, attempt, result, now);
      this.host.store.syncTimer();
    });
    const fields = {
      task_uuid: this.host.taskUuid(),
      delivery_id: delivery.delivery_id,
      event: delivery.event,
      attempt,
      status_code: outcome.statusCode,
      duration_ms: result.durationMs,
    };
    if (retryAt === null) log("info", "webhook.delivered", fields);
    else if (retryAt === "give_up") log("error", "webhook.gave_up", { ...fields, error: outcome.error });
    else log("warn", "webhook.attempt_failed", { ...fields, error: outcome.error, retry_at: new Date(retryAt).toISOString() });
  }

  /** One HTTP call; a missing secret or a refused URL is a failed attempt that never leaves the Worker. */
  private async call(
    env: Env,
    delivery: DeliveryRow,
    attempt: number,
    now: number,
  ): Promise<{ statusCode: number | null; error: string | null; retryAfter: number | null }> {
    const secret = webhookSecret(env, delivery.secret_name);
    if (secret === null) {
      return { statusCode: null, error: `the Worker secret ${delivery.secret_name} is not configured`, retryAfter: null };
    }
    const refusal = webhookUrlProblem(delivery.url, { allowLoopback: loopbackAllowed(env) });
    if (refusal !== null) return { statusCode: null, error: `the URL ${refusal}`, retryAfter: null };
    // A timer cleared as soon as the call ends (AbortSignal.timeout's would outlive it and keep the object from hibernating).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException("timed out", "TimeoutError")), WEBHOOK_ATTEMPT_TIMEOUT_MS);
    try {
      const response = await fetch(delivery.url, {
        method: "POST",
        // Never followed: a redirect could point the signed body anywhere, so a 3xx is a failed attempt.
        redirect: "manual",
        signal: deadline.signal,
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "tasker-edge-webhooks/1",
          [SIGNATURE_HEADER]: await signatureHeader(secret, now, delivery.body),
          [DELIVERY_ID_HEADER]: delivery.delivery_id,
          [EVENT_HEADER]: delivery.event,
          [ATTEMPT_HEADER]: String(attempt),
        },
        body: delivery.body,
      });
      await response.body?.cancel().catch(() => {});
      const ok = response.status >= 200 && response.status <= 299;
      return {
        statusCode: response.status,
        error: ok ? null : `the endpoint answered ${response.status}`,
        retryAfter: retryAfterMs(response.headers.get("Retry-After")),
      };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      return {
        statusCode: null,
        error: timedOut ? `no answer within ${WEBHOOK_ATTEMPT_TIMEOUT_MS} ms` : `network error: ${String(error)}`,
        retryAfter: null,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
