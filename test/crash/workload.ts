// The crash test's seeded mix of tasks: the templates it registers, what each round submits, and the submissions' fate.
import { type Random, shuffle } from "../../bench/lib/prng.ts";
import { identityHash, uuidFromHash } from "../../src/engine/identity.ts";
import { MAX_EAGER_LIMIT } from "../../src/shared/limits.ts";
import type { Api } from "./http.ts";

const noop = { callable: "NoopHandler" };
/** The parcels of a split shipment: each starts its own child task, one after another, as the object performs its effects. */
const SHIPMENTS = ["parcel_1", "parcel_2", "parcel_3", "parcel_4", "parcel_5", "parcel_6"];

/**
 * Shapes no bundled template has, registered over the API. `wide_start` has more first steps than
 * the eager limit, so creating it queues some of them through the outbox (the shape issue 10 stranded);
 * `flaky_chain` and `slow_chain` keep retries and running handlers in flight when a kill lands, and
 * `split_shipment` starts six `parcel` child tasks at once (a child's first steps go through its
 * outbox; `fulfillment/ship_order`'s child has a step that may run only once, this one retries).
 */
export const REGISTERED_TEMPLATES = [
  {
    name: "wide_start",
    namespace_name: "crash",
    version: "1.0.0",
    identity_strategy: "always_unique",
    description: `${MAX_EAGER_LIMIT + 4} first steps (more than the eager limit), then a join.`,
    steps: [
      ...Array.from({ length: MAX_EAGER_LIMIT + 4 }, (_, i) => ({ name: `first_${i + 1}`, handler: noop })),
      {
        name: "join",
        handler: noop,
        dependencies: Array.from({ length: MAX_EAGER_LIMIT + 4 }, (_, i) => `first_${i + 1}`),
      },
    ],
  },
  {
    name: "flaky_chain",
    namespace_name: "crash",
    version: "1.0.0",
    identity_strategy: "always_unique",
    description: "Two steps that fail retryably before they succeed, then an echo.",
    steps: [
      {
        name: "flaky_twice",
        handler: { callable: "FlakyServiceHandler", initialization: { fail_times: 2 } },
        retry: { max_attempts: 5, backoff: "exponential", backoff_base_ms: 200, max_backoff_ms: 1_000 },
      },
      {
        name: "flaky_once",
        handler: { callable: "FlakyServiceHandler", initialization: { fail_times: 1 } },
        retry: { max_attempts: 4, backoff: "linear", backoff_base_ms: 300, max_backoff_ms: 1_000 },
        dependencies: ["flaky_twice"],
      },
      { name: "record", handler: { callable: "EchoHandler" }, dependencies: ["flaky_once"] },
    ],
  },
  {
    name: "slow_chain",
    namespace_name: "crash",
    version: "1.0.0",
    identity_strategy: "always_unique",
    description: "A handler that runs for a second between two quick steps, so kills land mid-handler.",
    steps: [
      { name: "warm_up", handler: noop },
      {
        name: "slow_work",
        handler: { callable: "SleepHandler", initialization: { duration_ms: 1_000 } },
        timeout_seconds: 5,
        retry: { max_attempts: 4, backoff_base_ms: 200, max_backoff_ms: 1_000 },
        dependencies: ["warm_up"],
      },
      { name: "cool_down", handler: { callable: "EchoHandler" }, dependencies: ["slow_work"] },
    ],
  },
  {
    name: "parcel",
    namespace_name: "crash",
    version: "1.0.0",
    identity_strategy: "always_unique",
    description: "One parcel of a split shipment, run as a child task: pack it, then label it.",
    steps: [
      { name: "pack", handler: noop },
      { name: "label", handler: { callable: "EchoHandler" }, dependencies: ["pack"] },
    ],
  },
  {
    name: "split_shipment",
    namespace_name: "crash",
    version: "1.0.0",
    identity_strategy: "always_unique",
    description: "An order shipped in several parcels: one crash/parcel child task per parcel, then a confirmation.",
    steps: [
      ...SHIPMENTS.map((name) => ({
        name,
        handler: {
          callable: "WorkflowHandler",
          initialization: {
            task_template: "parcel",
            version: "1.0.0",
            context_mapping: { order_id: "context.order_id" },
          },
        },
      })),
      { name: "confirm", handler: { callable: "EchoHandler" }, dependencies: SHIPMENTS },
    ],
  },
] as const;

interface Kind {
  namespace: string;
  name: string;
  weight: number;
  context(random: Random, serial: number): Record<string, unknown>;
}

/** The burst mix: chains, diamonds, wide first rounds, retries, slow handlers and sub-workflows. */
const BURST_KINDS: Kind[] = [
  { namespace: "bench", name: "chain3", weight: 2, context: () => ({}) },
  { namespace: "bench", name: "diamond", weight: 2, context: () => ({}) },
  {
    namespace: "analytics",
    name: "sales_report",
    weight: 1,
    context: (random) => ({
      orders: Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => ({
        customer: `c${i}`,
        amount: 10 + Math.floor(random() * 90),
      })),
    }),
  },
  { namespace: "crash", name: "wide_start", weight: 3, context: () => ({}) },
  { namespace: "demo", name: "flaky_service", weight: 1.5, context: () => ({}) },
  { namespace: "crash", name: "flaky_chain", weight: 1.5, context: () => ({}) },
  { namespace: "crash", name: "slow_chain", weight: 1.5, context: () => ({}) },
  {
    namespace: "fulfillment",
    name: "ship_order",
    weight: 1.5,
    context: (_random, serial) => ({ order_id: `ORD-${serial}`, items: [1, 2, 3] }),
  },
  { namespace: "crash", name: "split_shipment", weight: 1, context: (_random, serial) => ({ order_id: `SPLIT-${serial}` }) },
];

/** Every template the mix uses, for the settle bound (their step timeouts and backoffs). */
export const TEMPLATES_USED: { namespace: string; name: string }[] = [
  ...BURST_KINDS.map(({ namespace, name }) => ({ namespace, name })),
  { namespace: "bench", name: "batch_fanout" },
  { namespace: "batches", name: "sum_numbers" },
];

export type Outcome = "created" | "duplicate" | "cut" | "refused";

export interface Submission {
  key: string;
  round: number;
  label: string;
  body: Record<string, unknown>;
  /** The task uuid the idempotency key maps to (the API derives it the same way). */
  expectedUuid: string;
  /** Known once an answer names it (201, or 409 for a retried submission that had reached the object). */
  taskUuid: string | null;
  outcomes: { at: number; outcome: Outcome; status?: number; detail?: string }[];
  /** Restarts after which a client retry found the task already there (that retry woke its object). */
  touchedAfterRestart: number[];
}

export interface WorkloadOptions {
  seed: number;
  initiator: string;
  burst: number;
  rounds: number;
  batchWorkers: number;
  sumBatchWorkers: number;
}

function pick(random: Random, kinds: readonly Kind[]): Kind {
  const total = kinds.reduce((sum, kind) => sum + kind.weight, 0);
  let roll = random() * total;
  for (const kind of kinds) {
    roll -= kind.weight;
    if (roll < 0) return kind;
  }
  return kinds[kinds.length - 1] as Kind;
}

async function submission(
  options: WorkloadOptions,
  round: number,
  serial: number,
  namespace: string,
  name: string,
  context: Record<string, unknown>,
): Promise<Submission> {
  const key = `${options.initiator}:${round}:${serial}`;
  const hash = await identityHash("always_unique", { namespace, name, version: "1.0.0", context, idempotencyKey: key });
  return {
    key,
    round,
    label: `${namespace}/${name}`,
    body: {
      name,
      namespace,
      version: "1.0.0",
      context,
      initiator: options.initiator,
      source_system: "crash-test",
      reason: `crash test round ${round}`,
      idempotency_key: key,
    },
    expectedUuid: uuidFromHash(hash as string),
    taskUuid: null,
    outcomes: [],
    touchedAfterRestart: [],
  };
}

/** Tasks of the warm-up burst, sent and answered before the first round: they measure the runtime's pace. */
export const WARM_UP_SIZE = 10;

export interface Plan {
  warmUp: Submission[];
  rounds: Submission[][];
}

/**
 * The seeded plan: a warm-up burst, then per round a burst of `burst` tasks drawn from the mix;
 * round 1 leads with the big fan-out batch and round 3 with the parallelism-capped one, so kills
 * land mid-batch.
 */
export async function planRounds(options: WorkloadOptions, random: Random): Promise<Plan> {
  let serial = 0;
  const draw = async (round: number, count: number) => {
    const list: Submission[] = [];
    for (let i = 0; i < count; i++) {
      const kind = pick(random, BURST_KINDS);
      list.push(await submission(options, round, serial, kind.namespace, kind.name, kind.context(random, serial)));
      serial++;
    }
    return list;
  };
  const warmUp = await draw(0, WARM_UP_SIZE);
  const rounds: Submission[][] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const batches: Submission[] = [];
    if (round === 1 && options.batchWorkers > 0) {
      batches.push(await submission(options, round, serial++, "bench", "batch_fanout", { workers: options.batchWorkers }));
    }
    if (round === Math.min(3, options.rounds) && options.sumBatchWorkers > 0) {
      const context = { total_items: options.sumBatchWorkers * 100, batch_size: 100 };
      batches.push(await submission(options, round, serial++, "batches", "sum_numbers", context));
    }
    rounds.push([...batches, ...shuffle(random, await draw(round, options.burst))]);
  }
  return { warmUp, rounds };
}

/** Submits once and records what came back; a request the kill cut off is `cut`, to be retried after the restart. */
export async function submit(api: Api, entry: Submission, restart: number | null): Promise<Outcome> {
  const answer = await api.call("POST", "/v1/tasks", entry.body);
  const at = Date.now();
  if (!answer.ok) {
    entry.outcomes.push({ at, outcome: "cut", detail: answer.error });
    return "cut";
  }
  const body = answer.body as { task_uuid?: string; error?: { code?: string; details?: { task_uuid?: string } } };
  if (answer.status === 201 && body.task_uuid) {
    entry.taskUuid = body.task_uuid;
    entry.outcomes.push({ at, outcome: "created", status: 201 });
    return "created";
  }
  if (answer.status === 409 && body.error?.code === "duplicate_task" && body.error.details?.task_uuid) {
    entry.taskUuid = body.error.details.task_uuid;
    entry.outcomes.push({ at, outcome: "duplicate", status: 409 });
    if (restart !== null) entry.touchedAfterRestart.push(restart);
    return "duplicate";
  }
  // A worker that is still starting up, or the kill landing inside the request, can answer 5xx: retry it.
  if (answer.status >= 500) {
    entry.outcomes.push({ at, outcome: "cut", status: answer.status, detail: JSON.stringify(answer.body).slice(0, 200) });
    return "cut";
  }
  entry.outcomes.push({ at, outcome: "refused", status: answer.status, detail: JSON.stringify(answer.body).slice(0, 300) });
  return "refused";
}

/** Registers the crash test's own templates (201 the first time, 200 when the same content is there). */
export async function registerTemplates(api: Api): Promise<void> {
  for (const template of REGISTERED_TEMPLATES) {
    const path = `/v1/templates/${template.namespace_name}/${template.name}/${template.version}`;
    const answer = await api.call("PUT", path, template);
    if (!answer.ok || (answer.status !== 201 && answer.status !== 200)) {
      throw new Error(`PUT ${path}: ${answer.ok ? `${answer.status} ${JSON.stringify(answer.body)}` : answer.error}`);
    }
  }
}
