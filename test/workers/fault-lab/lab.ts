// The fault lab: random DAGs with scripted handlers, run against a real TaskObject while faults are injected.
import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { uuidv7 } from "../../../src/engine/ids";
import type { StepMessage } from "../../../src/engine/protocol";
import { IN_FLIGHT_STEP_STATES, type StepState, type TaskState, TERMINAL_TASK_STATES } from "../../../src/engine/states";
import type { StepAction } from "../../../src/engine/task-run";
import { nextStepState, nextTaskState, type StepEvent, type TaskEvent } from "../../../src/engine/transitions";
import { validateTemplate } from "../../../src/templates/loader";
import { createStepConsumer, HandlerRegistry } from "../../../src/worker";
import { type Behaviour, ScriptedHandler } from "./scripted-handler";

export const FAULTS = [
  "deliver",
  "deliver_shuffled_with_duplicates",
  "drop_before_claim",
  "die_after_claim",
  "fire_timers",
  "alarm_twice",
  "evict_object",
  "outbox_left_unsent",
  "operator_action",
  "cancel",
] as const;
export type Fault = (typeof FAULTS)[number];

const WEIGHTS: Record<Fault, number> = {
  deliver: 30,
  deliver_shuffled_with_duplicates: 15,
  drop_before_claim: 6,
  die_after_claim: 6,
  fire_timers: 14,
  alarm_twice: 5,
  evict_object: 6,
  outbox_left_unsent: 5,
  operator_action: 5,
  cancel: 1,
};

export interface ScenarioReport {
  seed: number;
  steps: number;
  /** Whether the scenario was a batch (plan → workers → convergence) rather than a random DAG. */
  batch: boolean;
  finalState: TaskState;
  faults: Partial<Record<Fault, number>>;
}

/** mulberry32: a tiny seeded PRNG, so a failing seed replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const registry = new HandlerRegistry().register(ScriptedHandler);
const consume = createStepConsumer(registry);

const BEHAVIOURS: Behaviour[] = ["succeed", "succeed", "succeed", "retryable", "retryable", "throw", "permanent"];
const STRATEGIES = ["continue_on_failure", "isolate", "fail_fast"] as const;

function scriptedStep(rand: () => number, name: string, dependencies: string[], extra: Record<string, unknown> = {}) {
  const behaviour = BEHAVIOURS[Math.floor(rand() * BEHAVIOURS.length)] ?? "succeed";
  const { initialization, ...fields } = extra;
  return {
    name,
    handler: {
      callable: "ScriptedHandler",
      initialization: { behaviour, fail_times: 1 + Math.floor(rand() * 3), ...(initialization as object | undefined) },
    },
    dependencies,
    retry: { max_attempts: 1 + Math.floor(rand() * 3), backoff: "exponential", backoff_base_ms: 100, max_backoff_ms: 1000 },
    timeout_seconds: 1,
    ...fields,
  };
}

/** A random DAG of 1–9 steps, or (one scenario in three) a batch: plan → 0–6 workers → convergence. */
function randomTemplate(rand: () => number, seed: number) {
  let steps: ReturnType<typeof scriptedStep>[];
  if (rand() < 1 / 3) {
    const before = rand() < 0.5 ? [scriptedStep(rand, "prepare", [])] : [];
    steps = [
      ...before,
      scriptedStep(rand, "plan", before.length > 0 ? ["prepare"] : [], {
        type: "batchable",
        initialization: { batch_workers: Math.floor(rand() * 7) },
        batch_config: {
          worker_template: "work",
          parallelism: 1 + Math.floor(rand() * 3),
          failure_strategy: STRATEGIES[Math.floor(rand() * STRATEGIES.length)],
        },
      }),
      scriptedStep(rand, "work", ["plan"], { type: "batch_worker" }),
      scriptedStep(rand, "merge", ["work"], { type: "deferred_convergence" }),
    ];
  } else {
    const count = 1 + Math.floor(rand() * 9);
    steps = Array.from({ length: count }, (_, i) => {
      const dependencies = Array.from({ length: i }, (_, j) => j)
        .filter(() => rand() < 0.35)
        .map((j) => `step_${j}`);
      return scriptedStep(rand, `step_${i}`, dependencies);
    });
  }
  const parsed = validateTemplate({ name: `fault_scenario_${seed}`, namespace_name: "manual", version: "1.0.0", steps });
  if (!parsed.ok) throw new Error(`fault lab built an invalid template: ${JSON.stringify(parsed.problems)}`);
  return parsed.template;
}

interface StepRowLite {
  step_uuid: string;
  name: string;
  state: StepState;
  attempts: number;
  dispatch_id: string | null;
  definition: string;
  inputs: string | null;
}

/** A batch worker's rules, from its inputs; null for other steps. */
function batchOf(step: StepRowLite): { failure_strategy: string; parallelism: number } | null {
  return step.inputs === null
    ? null
    : (JSON.parse(step.inputs) as { batch_metadata: { failure_strategy: string; parallelism: number } }).batch_metadata;
}

function stub(taskUuid: string) {
  return env.TASKS.getByName(taskUuid);
}

async function readSteps(taskUuid: string): Promise<StepRowLite[]> {
  return runInDurableObject(stub(taskUuid), (_i, state) =>
    state.storage.sql
      .exec<StepRowLite & Record<string, SqlStorageValue>>(
        "SELECT step_uuid, name, state, attempts, dispatch_id, definition, inputs FROM steps",
      )
      .toArray(),
  );
}

async function taskState(taskUuid: string): Promise<TaskState> {
  return runInDurableObject(
    stub(taskUuid),
    (_i, state) => state.storage.sql.exec<{ state: TaskState }>("SELECT state FROM task").one().state,
  );
}

/** The messages the object has sent and not yet seen claimed: one per step in `enqueued`. */
function outstanding(taskUuid: string, steps: StepRowLite[]): StepMessage[] {
  return steps
    .filter((s) => s.state === "enqueued" && s.dispatch_id)
    .map((s) => ({ task_uuid: taskUuid, step_uuid: s.step_uuid, attempt: s.attempts + 1, dispatch_id: s.dispatch_id ?? "" }));
}

async function deliver(messages: StepMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const batch = createMessageBatch(
    "tasker-steps-manual",
    messages.map((body, i) => ({ id: `m${i}-${body.dispatch_id}`, timestamp: new Date(), attempts: 1, body })),
  );
  await consume(batch as MessageBatch<unknown>, env, createExecutionContext());
}

async function advance(taskUuid: string, ms: number): Promise<void> {
  await runInDurableObject(stub(taskUuid), (_i, state) => {
    state.storage.sql.exec("UPDATE timers SET due_at = due_at - ?", ms);
  });
  await runDurableObjectAlarm(stub(taskUuid));
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function pickFault(rand: () => number): Fault {
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  let roll = rand() * total;
  for (const fault of FAULTS) {
    roll -= WEIGHTS[fault];
    if (roll < 0) return fault;
  }
  return "deliver";
}

async function inject(fault: Fault, taskUuid: string, rand: () => number, seen: StepMessage[]): Promise<void> {
  const steps = await readSteps(taskUuid);
  const pending = outstanding(taskUuid, steps);
  switch (fault) {
    case "deliver":
      return deliver(pending);
    case "deliver_shuffled_with_duplicates": {
      const replays = seen.filter(() => rand() < 0.3);
      return deliver(shuffle([...pending, ...pending.filter(() => rand() < 0.5), ...replays], rand));
    }
    case "drop_before_claim":
      return; // the consumer died before claiming: only the claim timeout brings the message back
    case "die_after_claim": {
      const victim = pending[Math.floor(rand() * pending.length)];
      if (victim) await stub(taskUuid).claim(victim.step_uuid, victim.dispatch_id); // ran, never reported
      return;
    }
    case "fire_timers":
      return advance(taskUuid, 1_000 + Math.floor(rand() * 70_000));
    case "alarm_twice":
      await advance(taskUuid, 70_000);
      await runDurableObjectAlarm(stub(taskUuid));
      return;
    case "evict_object":
      return evictDurableObject(stub(taskUuid));
    case "outbox_left_unsent": {
      // A crash between the transaction and the send: the row is durable, the send never happened.
      const victim = pending[Math.floor(rand() * pending.length)];
      if (!victim) return;
      await runInDurableObject(stub(taskUuid), (_i, state) => {
        state.storage.sql.exec(
          "INSERT OR REPLACE INTO outbox (dispatch_id, step_uuid, attempt, created_at) VALUES (?, ?, ?, ?)",
          victim.dispatch_id,
          victim.step_uuid,
          victim.attempt,
          Date.now(),
        );
        state.storage.sql.exec("INSERT INTO timers (due_at, kind) VALUES (?, 'outbox_flush')", Date.now() + 5_000);
      });
      await evictDurableObject(stub(taskUuid));
      return advance(taskUuid, 5_000);
    }
    case "operator_action": {
      const step = steps[Math.floor(rand() * steps.length)];
      if (!step) return;
      const actions: StepAction[] = [
        { action_type: "reset_for_retry", performed_by: "lab", reason: "fault lab" },
        { action_type: "resolve_manually", performed_by: "lab", reason: "fault lab" },
        { action_type: "complete_manually", performed_by: "lab", reason: "fault lab", result: { manual: true } },
      ];
      await stub(taskUuid).applyStepAction(step.step_uuid, actions[Math.floor(rand() * actions.length)] as StepAction);
      return;
    }
    case "cancel":
      await stub(taskUuid).cancel("fault lab");
      return;
  }
}

/** Lets the world behave until nothing moves: deliver everything, then fire every timer. */
async function drain(taskUuid: string): Promise<void> {
  for (let round = 0; round < 400; round++) {
    const steps = await readSteps(taskUuid);
    const pending = outstanding(taskUuid, steps);
    if (pending.length > 0) {
      await deliver(pending);
      continue;
    }
    const inFlight = steps.some((s) => IN_FLIGHT_STEP_STATES.has(s.state));
    const state = await taskState(taskUuid);
    if (!inFlight && (TERMINAL_TASK_STATES.has(state) || state === "blocked_by_failures")) return;
    await advance(taskUuid, 200_000);
  }
  throw new Error("the task did not settle within 400 drain rounds");
}

interface TransitionRowLite {
  id: number;
  step_uuid?: string;
  from_state: string | null;
  to_state: string;
  event: string;
}

/** Checks the suite's invariants on the object's own records; returns every violation found. */
async function violations(taskUuid: string): Promise<string[]> {
  const problems: string[] = [];
  const { task, steps, stepLog, taskLog, edges, outbox } = await runInDurableObject(stub(taskUuid), (_i, state) => {
    const sql = state.storage.sql;
    return {
      task: sql.exec<{ state: TaskState }>("SELECT state FROM task").one(),
      steps: sql
        .exec<StepRowLite & Record<string, SqlStorageValue>>(
          "SELECT step_uuid, name, state, attempts, dispatch_id, definition, inputs FROM steps",
        )
        .toArray(),
      stepLog: sql
        .exec<TransitionRowLite & Record<string, SqlStorageValue>>(
          "SELECT id, step_uuid, from_state, to_state, event FROM step_transitions ORDER BY id",
        )
        .toArray(),
      taskLog: sql
        .exec<TransitionRowLite & Record<string, SqlStorageValue>>(
          "SELECT id, from_state, to_state, event FROM task_transitions ORDER BY id",
        )
        .toArray(),
      edges: sql.exec<{ parent_uuid: string; child_uuid: string }>("SELECT parent_uuid, child_uuid FROM edges").toArray(),
      outbox: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n,
    };
  });
  if (!TERMINAL_TASK_STATES.has(task.state) && task.state !== "blocked_by_failures") problems.push(`task ended in ${task.state}`);
  for (const step of steps) {
    if (IN_FLIGHT_STEP_STATES.has(step.state)) problems.push(`${step.name} left in flight (${step.state})`);
    const max = (JSON.parse(step.definition) as { retry: { max_attempts: number } }).retry.max_attempts;
    if (step.attempts > max) problems.push(`${step.name} made ${step.attempts} attempts, max ${max}`);
  }
  if (outbox > 0) problems.push(`${outbox} outbox rows never sent`);
  for (const row of taskLog.slice(1)) {
    try {
      if (nextTaskState(row.from_state as TaskState, row.event as TaskEvent) !== row.to_state) throw new Error();
    } catch {
      problems.push(`illegal task transition ${row.from_state} --${row.event}--> ${row.to_state}`);
    }
  }
  const satisfiedAt = new Map<string, number>();
  const completions = new Map<string, number>();
  // A continue_on_failure worker's permanent failure lets its dependents run, as a success would.
  const tolerated = new Set(steps.filter((s) => batchOf(s)?.failure_strategy === "continue_on_failure").map((s) => s.step_uuid));
  // Workers of the batch in flight at once, replayed from the log, never above its parallelism.
  const workers = new Map(steps.filter((s) => batchOf(s)).map((s) => [s.step_uuid, s]));
  const parallelism = steps.map(batchOf).find((b) => b !== null)?.parallelism ?? Number.POSITIVE_INFINITY;
  const inFlight = new Set<string>();
  let mostInFlight = 0;
  for (const row of stepLog) {
    const uuid = row.step_uuid ?? "";
    if (workers.has(uuid)) {
      if (IN_FLIGHT_STEP_STATES.has(row.to_state as StepState)) inFlight.add(uuid);
      else inFlight.delete(uuid);
      mostInFlight = Math.max(mostInFlight, inFlight.size);
    }
    if (row.event === "create") continue;
    try {
      if (nextStepState(row.from_state as StepState, row.event as StepEvent) !== row.to_state) throw new Error();
    } catch {
      problems.push(`illegal step transition ${row.from_state} --${row.event}--> ${row.to_state}`);
    }
    if (row.to_state === "complete") completions.set(uuid, (completions.get(uuid) ?? 0) + 1);
    const satisfies =
      row.to_state === "complete" || row.to_state === "resolved_manually" || (row.to_state === "error" && tolerated.has(uuid));
    if (satisfies && !satisfiedAt.has(uuid)) satisfiedAt.set(uuid, row.id);
  }
  if (mostInFlight > parallelism) problems.push(`${mostInFlight} batch workers in flight at once, parallelism ${parallelism}`);
  for (const [uuid, n] of completions) if (n > 1) problems.push(`step ${uuid} recorded a result ${n} times`);
  for (const row of stepLog.filter((r) => r.event === "start")) {
    for (const edge of edges.filter((e) => e.child_uuid === row.step_uuid)) {
      const parentDone = satisfiedAt.get(edge.parent_uuid);
      if (parentDone === undefined || parentDone > row.id)
        problems.push(`step ${row.step_uuid} started before parent ${edge.parent_uuid} finished`);
    }
  }
  return problems;
}

/** Runs one seeded scenario: random DAG, random faults, then a drain and the invariant checks. */
export async function runScenario(seed: number): Promise<ScenarioReport> {
  const rand = prng(seed);
  const template = randomTemplate(rand, seed);
  const taskUuid = uuidv7();
  await stub(taskUuid).create({
    task_uuid: taskUuid,
    template,
    context: { seed },
    initiator: "fault-lab",
    source_system: "vitest",
    reason: `seed ${seed}`,
    priority: 0,
    tags: [],
    correlation_id: `fault-lab-${seed}`,
    parent_correlation_id: null,
    created_by: "fault-lab",
    namespace_scope: null,
  });
  const faults: Partial<Record<Fault, number>> = {};
  const seen: StepMessage[] = [];
  for (let round = 0; round < 40; round++) {
    const steps = await readSteps(taskUuid);
    for (const message of outstanding(taskUuid, steps))
      if (!seen.some((m) => m.dispatch_id === message.dispatch_id)) seen.push(message);
    const fault = pickFault(rand);
    faults[fault] = (faults[fault] ?? 0) + 1;
    await inject(fault, taskUuid, rand, seen);
    if (TERMINAL_TASK_STATES.has(await taskState(taskUuid))) break;
  }
  await drain(taskUuid);
  const problems = await violations(taskUuid);
  if (problems.length > 0) {
    throw new Error(
      `fault lab seed ${seed} broke invariants (replay: FAULT_SEED=${seed} npm run test:faults):\n- ${problems.join("\n- ")}`,
    );
  }
  const batch = template.steps.some((s) => s.type === "batchable");
  return { seed, steps: template.steps.length, batch, finalState: await taskState(taskUuid), faults };
}
