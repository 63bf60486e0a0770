// Turns a handler registry into a Worker `queue()` handler: claim, run, report, then ack or retry.
import {
  type ClaimedStep,
  type HandedStep,
  MAX_EAGER_LIMIT,
  type ReportItem,
  type ReportReceipt,
  type StepMessage,
  StepMessageSchema,
  type TaskObjectRpc,
} from "../engine/protocol";
import { log, useLogLevelOf } from "../log";
import { queueBindingName } from "../shared/queue-routing";
import { TRACE_STEP_EVT, Trace, tracingOn } from "../trace";
import type { HandlerRegistry } from "./registry";
import { HANDLER_NOT_FOUND, runStep } from "./run-step";

export interface StepConsumerOptions {
  /** The env binding of the TaskObject Durable Object namespace; "TASKS" unless the bundle renamed it. */
  binding?: string;
  /** Clock for durations; injectable so tests need not depend on wall-clock time. */
  now?: () => number;
  /**
   * Run the steps a report makes ready right here instead of waiting for their queue messages
   * (default true). The report claims them for this consumer in the same RPC; durable either way:
   * a step handed over that this consumer never reports is recovered by its deadline.
   */
  eager?: boolean;
}

/** Eager steps one queue message may lead to, and for how long, before the rest go through the queue. */
export const EAGER_STEPS_PER_MESSAGE = 64;
export const EAGER_TIME_BUDGET_MS = 30_000;

interface EagerBudget {
  remaining: number;
  startedAt: number;
  /** Whether this message's steps are traced (TASKER_TRACE=1 in the env it came with). */
  tracing: boolean;
}

export interface StepConsumer {
  (batch: MessageBatch<unknown>, env: object, ctx: ExecutionContext): Promise<void>;
  /**
   * Runs steps a task object handed straight to this Worker (a new task's first steps), claiming
   * those not already claimed for it, and the steps their reports make ready, as for a queue message.
   * A step it cannot claim or run is queued by its claim timeout or recovered by its deadline, so
   * nothing is lost if this never runs.
   */
  runEager(env: object, steps: readonly (StepMessage | HandedStep)[]): Promise<void>;
}

type Disposition = "acked" | "retried";

/** A parsed queue message on its way through the consumer, with its claim once started. */
interface Delivery {
  message: Message<unknown>;
  ids: StepMessage;
  trace: Trace | null;
  claim: Promise<{ task: TaskObjectRpc; claimed: ClaimedStep | null }> | null;
}

interface TaskNamespace {
  getByName(name: string): TaskObjectRpc;
}

/** Queue retries back off 2, 4, 8 … seconds, capped at a minute, until the dead-letter queue takes over. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(2 ** Math.max(1, attempts), 60);
}

export function createStepConsumer(registry: HandlerRegistry, options: StepConsumerOptions = {}): StepConsumer {
  const binding = options.binding ?? "TASKS";
  const now = options.now ?? Date.now;
  const eager = options.eager ?? true;

  /** Parses one message; a malformed one is acked (it can never become valid) and yields null. */
  function parse(message: Message<unknown>, queue: string, tracing: boolean): Delivery | null {
    const trace = tracing ? new Trace(TRACE_STEP_EVT, { via: "queue", queue_delay_ms: queueDelay(message) }) : null;
    const parsed = StepMessageSchema.safeParse(message.body);
    trace?.lap("parse");
    if (!parsed.success) {
      // Retrying it would only loop until the DLQ.
      log("error", "queue.message.invalid", {
        queue,
        message_id: message.id,
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), code: issue.code })),
      });
      message.ack();
      return null;
    }
    trace?.note("task_uuid", parsed.data.task_uuid);
    trace?.note("step_uuid", parsed.data.step_uuid);
    return { message, ids: parsed.data, trace, claim: null };
  }

  /**
   * Starts the claims of a batch's messages: one `claim` for a task with one message, one
   * `claimMany` (one transaction) for a task with several, as a fan-out's workers arrive together.
   */
  function startClaims(env: object, deliveries: Delivery[]): void {
    for (const [taskUuid, group] of Map.groupBy(deliveries, (delivery) => delivery.ids.task_uuid)) {
      let task: TaskObjectRpc;
      try {
        task = coalescingReports(namespaceFrom(env, binding).getByName(taskUuid));
      } catch (error) {
        for (const delivery of group) delivery.claim = Promise.reject(error);
        continue;
      }
      for (const delivery of group) delivery.trace?.count("claimed_together", group.length);
      const [only] = group;
      if (only && group.length === 1) {
        only.claim = task.claim(only.ids.step_uuid, only.ids.dispatch_id).then((claimed) => ({ task, claimed }));
        continue;
      }
      const claims = task.claimMany(group.map(({ ids }) => ({ step_uuid: ids.step_uuid, dispatch_id: ids.dispatch_id }))).then(
        (answers) => group.map((_, i) => Promise.resolve(answers[i] ?? null)),
        (error: unknown) => {
          // An object of an earlier release has no claimMany, or the call failed: claim one by one,
          // so each message is retried (or dropped as stale) on its own, as before.
          log("warn", "step.claim_many.failed", { task_uuid: taskUuid, messages: group.length, error: describe(error) });
          return group.map(({ ids }) => task.claim(ids.step_uuid, ids.dispatch_id));
        },
      );
      group.forEach((delivery, i) => {
        delivery.claim = claims.then((answers) => answers[i] ?? null).then((claimed) => ({ task, claimed }));
      });
    }
  }

  async function consume(delivery: Delivery, queue: string, tracing: boolean): Promise<Disposition> {
    const { message, ids, trace } = delivery;
    const { task_uuid, step_uuid, dispatch_id } = ids;
    const retry = (evt: string, error: unknown): Disposition => {
      log("error", evt, { task_uuid, step_uuid, dispatch_id, delivery_attempts: message.attempts, error: describe(error) });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      return "retried";
    };

    let task: TaskObjectRpc;
    let claimed: ClaimedStep | null;
    try {
      trace?.lap("claim_setup");
      ({ task, claimed } = await (delivery.claim ?? Promise.reject(new Error("the message's claim never started"))));
      trace?.lap("claim_wait");
    } catch (error) {
      return retry("step.claim.failed", error);
    }
    if (claimed === null) {
      // Another delivery already claimed this dispatch, or the step moved on: nothing to run.
      log("info", "step.dispatch.stale", { task_uuid, step_uuid, dispatch_id });
      message.ack();
      trace?.note("stale", true);
      trace?.end();
      return "acked";
    }

    const budget: EagerBudget = { remaining: eager ? EAGER_STEPS_PER_MESSAGE : 0, startedAt: now(), tracing };
    let receipt: ReportReceipt;
    try {
      receipt = await runAndReport(task, ids, claimed, budget, queue, trace);
    } catch (error) {
      return retry("step.report.failed", error);
    }
    message.ack();
    trace?.lap("ack");
    // The message's line ends here; the eager steps it leads to each write their own.
    trace?.count("eager_handed", handedCount(receipt));
    trace?.end();
    await continueEagerly(task, receipt, budget);
    return "acked";
  }

  async function runAndReport(
    task: TaskObjectRpc,
    ids: StepMessage,
    claimed: ClaimedStep,
    budget: EagerBudget,
    via: string,
    trace: Trace | null,
  ): Promise<ReportReceipt> {
    const { task_uuid, step_uuid, dispatch_id } = ids;
    trace?.note("step", claimed.step.name);
    const run = await runStep(registry, claimed, now, trace);
    if (run.errorCode === HANDLER_NOT_FOUND) warnHandlerNotFound(claimed, via);
    log(run.kind === "success" ? "info" : run.kind === "retryable_failure" ? "warn" : "error", "step.handler.finished", {
      task_uuid,
      step_uuid,
      step: claimed.step.name,
      attempt: claimed.step.attempt,
      outcome: run.kind,
      ...(run.errorCode === undefined ? {} : { error_code: run.errorCode }),
      duration_ms: run.durationMs,
    });
    trace?.lap("log");
    const withinBudget = budget.remaining > 0 && now() - budget.startedAt < EAGER_TIME_BUDGET_MS;
    const eagerLimit = withinBudget ? Math.min(MAX_EAGER_LIMIT, budget.remaining) : 0;
    trace?.lap("report_setup");
    const receipt = await task.report(
      step_uuid,
      dispatch_id,
      run.outcome,
      eagerLimit > 0 ? { eager_limit: eagerLimit, claim_eager: true } : {},
    );
    trace?.lap("report_wait");
    if (!receipt.accepted) {
      log("info", "step.report.ignored", { task_uuid, step_uuid, dispatch_id, step_state: receipt.step_state });
    }
    budget.remaining -= handedCount(receipt);
    return receipt;
  }

  /**
   * Runs the steps the object handed to this consumer, and theirs in turn: those it claimed for this
   * consumer at once, those it handed over unclaimed (an object of an earlier release, or a new
   * task's first steps) after a claim. Nothing here retries through the queue: an eager step this
   * consumer fails to claim is queued by its claim timeout, and one claimed for it whose report is
   * lost is recovered by its deadline.
   */
  async function continueEagerly(
    task: TaskObjectRpc,
    receipt: Pick<ReportReceipt, "eager" | "claimed">,
    budget: EagerBudget,
  ): Promise<void> {
    const handed: (StepMessage | HandedStep)[] = [...(receipt.claimed ?? []), ...(receipt.eager ?? [])];
    await Promise.all(
      handed.map(async (next) => {
        try {
          const trace = budget.tracing
            ? new Trace(TRACE_STEP_EVT, { via: "eager", task_uuid: next.task_uuid, step_uuid: next.step_uuid })
            : null;
          let claimed: ClaimedStep | null;
          if ("claimed" in next) {
            claimed = next.claimed;
            trace?.note("preclaimed", true);
          } else {
            claimed = await task.claim(next.step_uuid, next.dispatch_id);
            trace?.lap("claim_wait");
          }
          if (claimed === null) {
            trace?.note("stale", true);
            trace?.end();
            return;
          }
          const nextReceipt = await runAndReport(task, next, claimed, budget, EAGER_VIA, trace);
          trace?.count("eager_handed", handedCount(nextReceipt));
          trace?.end();
          await continueEagerly(task, nextReceipt, budget);
        } catch (error) {
          log("warn", "step.eager.failed", { task_uuid: next.task_uuid, step_uuid: next.step_uuid, error: describe(error) });
        }
      }),
    );
  }

  async function runEager(env: object, steps: readonly (StepMessage | HandedStep)[]): Promise<void> {
    if (steps.length === 0) return;
    const budget: EagerBudget = { remaining: eager ? EAGER_STEPS_PER_MESSAGE : 0, startedAt: now(), tracing: tracingOn(env) };
    const byTask = Map.groupBy(steps, (step) => step.task_uuid);
    await Promise.all(
      [...byTask].map(([taskUuid, handed]) =>
        continueEagerly(
          coalescingReports(namespaceFrom(env, binding).getByName(taskUuid)),
          {
            claimed: handed.filter((step): step is HandedStep => "claimed" in step),
            eager: handed.filter((step) => !("claimed" in step)),
          },
          budget,
        ),
      ),
    );
  }

  const consumeBatch = async (batch: MessageBatch<unknown>, env: object, _ctx: ExecutionContext): Promise<void> => {
    const startedAt = now();
    // A handler bundle's Worker reaches the engine only here: its vars set the log level too.
    useLogLevelOf(env);
    const tracing = tracingOn(env);
    const deliveries: Delivery[] = [];
    const dispositions: Disposition[] = [];
    for (const message of batch.messages) {
      const delivery = parse(message, batch.queue, tracing);
      if (delivery) deliveries.push(delivery);
      else dispositions.push("acked");
    }
    startClaims(env, deliveries);
    // Every message of a batch runs at once: sibling steps must not wait on each other.
    dispositions.push(
      ...(await Promise.all(
        deliveries.map((delivery) =>
          consume(delivery, batch.queue, tracing).catch((error: unknown): Disposition => {
            const { message } = delivery;
            log("error", "queue.message.failed", { queue: batch.queue, message_id: message.id, error: describe(error) });
            message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
            return "retried";
          }),
        ),
      )),
    );
    log("info", "queue.batch", {
      queue: batch.queue,
      size: batch.messages.length,
      acked: dispositions.filter((d) => d === "acked").length,
      retried: dispositions.filter((d) => d === "retried").length,
      duration_ms: Math.max(0, now() - startedAt),
    });
  };
  return Object.assign(consumeBatch, { runEager });
}

/**
 * The task's RPC stub, with its reports coalesced: a report goes at once when none to the task is in
 * flight; those made while one is wait for it and then go together in one `reportMany` (one
 * transaction). No timer: a lone step's report is never delayed. Each report still gets its own
 * receipt; a thrown `reportMany` is retried as one report per item (an object of an earlier release
 * has none), so each message still fails, or is refused as already recorded, on its own.
 */
export function coalescingReports(task: TaskObjectRpc): TaskObjectRpc {
  interface Waiting {
    item: ReportItem;
    resolve: (receipt: ReportReceipt) => void;
    reject: (error: unknown) => void;
  }
  let inFlight = false;
  let waiting: Waiting[] = [];
  const reportOne = (item: ReportItem) => task.report(item.step_uuid, item.dispatch_id, item.outcome, item.options);
  const send = (items: Waiting[]): void => {
    const call: Promise<Promise<ReportReceipt>[]> =
      items.length === 1
        ? Promise.resolve(items.map(({ item }) => reportOne(item)))
        : task.reportMany(items.map(({ item }) => item)).then(
            (receipts) => items.map((_, i) => Promise.resolve(receipts[i] ?? { accepted: false, step_state: "unknown" })),
            (error: unknown) => {
              log("warn", "step.report_many.failed", { reports: items.length, error: describe(error) });
              return items.map(({ item }) => reportOne(item));
            },
          );
    void call.then((receipts) => {
      const settled = items.map((waiter, i) => (receipts[i] as Promise<ReportReceipt>).then(waiter.resolve, waiter.reject));
      // The next reports go once these are answered: at most one call to the task in flight.
      void Promise.all(settled).then(next);
    });
  };
  const next = (): void => {
    if (waiting.length === 0) {
      inFlight = false;
      return;
    }
    const items = waiting;
    waiting = [];
    send(items);
  };
  return {
    claim: (stepUuid, dispatchId) => task.claim(stepUuid, dispatchId),
    claimMany: (items) => task.claimMany(items),
    reportMany: (items) => task.reportMany(items),
    report(stepUuid, dispatchId, outcome, options) {
      const item: ReportItem = { step_uuid: stepUuid, dispatch_id: dispatchId, outcome, ...(options ? { options } : {}) };
      return new Promise<ReportReceipt>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!inFlight) {
          inFlight = true;
          next();
        }
      });
    },
  };
}

/** How many steps a receipt handed to the reporter, claimed or not. */
function handedCount(receipt: Pick<ReportReceipt, "eager" | "claimed">): number {
  return (receipt.eager?.length ?? 0) + (receipt.claimed?.length ?? 0);
}

/** Milliseconds from the queue send to this delivery, by the message's timestamp (traced messages only). */
function queueDelay(message: Message<unknown>): number | null {
  const sentAt = message.timestamp instanceof Date ? message.timestamp.getTime() : Number.NaN;
  return Number.isFinite(sentAt) ? Math.max(0, Date.now() - sentAt) : null;
}

/** Where a step ran when no queue message brought it: handed over by the task object with a report or a new task. */
const EAGER_VIA = "eager (no queue message)";

/**
 * A step reached a consumer that has no handler for it: it fails permanently with
 * `handler_not_found`, and this line says where it ran and the two usual causes.
 */
function warnHandlerNotFound(claimed: ClaimedStep, via: string): void {
  const { namespace } = claimed.task;
  log("warn", "step.handler.not_found", {
    task_uuid: claimed.task.task_uuid,
    step: claimed.step.name,
    namespace,
    callable: claimed.step.callable,
    queue: via,
    hint: `no handler for "${claimed.step.callable}" is registered in the consumer of ${via}: register it there, or, if another Worker runs namespace "${namespace}", give the orchestrator a producer binding ${queueBindingName(namespace)} (or a queues entry) for that Worker's queue`,
  });
}

function namespaceFrom(env: object, binding: string): TaskNamespace {
  const candidate = (env as Record<string, unknown>)[binding];
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof (candidate as Partial<TaskNamespace>).getByName !== "function"
  ) {
    throw new Error(`env.${binding} is not a Durable Object namespace binding`);
  }
  return candidate as TaskNamespace;
}

// Infrastructure errors only (RPC and binding failures): their messages carry no step payloads.
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
