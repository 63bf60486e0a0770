// The fault lab: random DAGs with scripted handlers, run against a real TaskObject while faults are injected.
import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { uuidv7 } from "../../../src/engine/ids";
import type { StepMessage, TaskObjectRpc } from "../../../src/engine/protocol";
import { IN_FLIGHT_STEP_STATES, type StepState, type TaskState, TERMINAL_TASK_STATES } from "../../../src/engine/states";
import { DEADLINE_GRACE_MS, type StepAction, TIMERS_FIRING_WHILE_PAUSED } from "../../../src/engine/task-run";
import { nextStepState, nextTaskState, type StepEvent, type TaskEvent } from "../../../src/engine/transitions";
import { taskObject } from "../../../src/task-object/client";
import type { AwaitPoint, TaskObject } from "../../../src/task-object/task-object";
import { validateTemplate } from "../../../src/templates/loader";
import type { TaskTemplate } from "../../../src/templates/types";
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
  "crash_at_await",
  "operator_action",
  "cancel",
  "send_event",
  "pause",
  "resume",
  "die_after_eager_report",
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
  crash_at_await: 10,
  operator_action: 5,
  cancel: 1,
  send_event: 8,
  pause: 4,
  resume: 4,
  die_after_eager_report: 8,
};

export interface ScenarioReport {
  seed: number;
  steps: number;
  /** Whether the scenario was a batch (plan → workers → convergence) rather than a random DAG. */
  batch: boolean;
  /** Sleep and wait-for-event steps in its template. */
  waits: number;
  finalState: TaskState | "unknown";
  faults: Partial<Record<Fault, number>>;
  /** Every broken invariant, with the round and fault it followed; empty when the seed passed. */
  problems: string[];
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

/** The event the lab's wait-for-event steps wait for, matched on the task's seed. */
const LAB_EVENT = "lab_event";

/** A sleep or a wait for the lab's event, with a timeout (so a drain always ends it), seconds to two minutes long. */
function waitStep(rand: () => number, name: string, dependencies: string[]) {
  const seconds = 1 + Math.floor(rand() * 120);
  const sleeps = rand() < 0.35;
  const initialization = sleeps
    ? { duration: `${seconds}s` }
    : {
        event: LAB_EVENT,
        match: { seed: "context.seed" },
        timeout: `${seconds}s`,
        on_timeout: rand() < 0.5 ? "fail" : "complete",
      };
  return {
    name,
    handler: { callable: sleeps ? "tasker.sleep" : "tasker.wait_for_event", initialization },
    dependencies,
    retry: { max_attempts: 1 + Math.floor(rand() * 2), backoff: "exponential", backoff_base_ms: 100, max_backoff_ms: 1000 },
    timeout_seconds: 1,
  };
}

/**
 * A random DAG of 1–9 steps (one in five a sleep or an event wait), or (one scenario in three) a
 * batch: plan → 0–6 workers → convergence.
 */
function randomTemplate(rand: () => number, seed: number) {
  let steps: Record<string, unknown>[];
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
      return rand() < 0.2 ? waitStep(rand, `step_${i}`, dependencies) : scriptedStep(rand, `step_${i}`, dependencies);
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

/**
 * The world one scenario's object lives in: the queue (only what the object really sent reaches the
 * mailbox), and the process it runs in, which the lab can kill at the object's await points.
 */
interface World {
  taskUuid: string;
  seed: number;
  /** Every event sent to the task, for duplicates. */
  events: LabEvent[];
  /** Messages the object sent and the lab has not delivered yet. */
  mailbox: StepMessage[];
  /** Every message ever sent, for replays. */
  sent: StepMessage[];
  /** Await points left before the process dies; null when no death is planned. */
  crashAfter: number | null;
  /** Where the process died, until the lab has evicted the dead instance. */
  diedAt: AwaitPoint | null;
}

/** What the lab adds to the object instance it runs in: its world's queue and its death. */
type LabInstance = TaskObject & { labWorld?: World; env: Record<string, unknown> };

interface LabEvent {
  event_id: string;
  name: string;
  payload: { seed: number; n: number };
}

/**
 * Sends the task an event: a fresh one meant for it, one meant for another task (its match value is
 * another seed), or a copy of one sent before (a duplicate delivery). Timeouts and sleeps racing
 * the events come from the other faults; a late event is one sent after its step timed out.
 */
function sendEvent(world: World, rand: () => number): Promise<unknown> {
  const roll = rand();
  const previous = world.events[Math.floor(rand() * world.events.length)];
  let event: LabEvent;
  if (roll < 0.3 && previous) event = previous;
  else {
    const n = world.events.length;
    const seed = roll < 0.5 ? world.seed + 1 : world.seed;
    event = { event_id: `lab-${world.seed}-${n}`, name: LAB_EVENT, payload: { seed, n } };
  }
  world.events.push(event);
  return stub(world.taskUuid).sendEvent(event);
}

function stub(taskUuid: string) {
  return env.TASKS.getByName(taskUuid);
}

/**
 * Puts the current object instance in the world: its queue sends go to the mailbox, and its await
 * points count down to a planned death. A fresh instance (after an eviction) is prepared again.
 */
async function prepare(world: World): Promise<void> {
  await runInDurableObject(stub(world.taskUuid), (instance) => {
    const lab = instance as LabInstance;
    if (lab.labWorld === world) return;
    lab.labWorld = world;
    const record = (body: StepMessage) => {
      world.mailbox.push({ ...body });
      world.sent.push({ ...body });
    };
    lab.env = {
      ...lab.env,
      STEPS_MANUAL: {
        send: async (body: StepMessage) => record(body),
        sendBatch: async (messages: { body: StepMessage }[]) => {
          for (const message of messages) record(message.body);
        },
      },
    };
    lab.faultHook = (point) => {
      if (world.diedAt) throw new Error(`fault lab: the process is dead (reached ${point})`);
      if (world.crashAfter === null) return;
      world.crashAfter -= 1;
      if (world.crashAfter > 0) return;
      world.crashAfter = null;
      world.diedAt = point;
      throw new Error(`fault lab: the process died at ${point}`);
    };
  });
}

/** Everything the object holds, read through its introspection RPC. */
function inspect(world: World) {
  return taskObject(env, world.taskUuid).inspect();
}

async function readSteps(world: World): Promise<StepRowLite[]> {
  await prepare(world);
  return (await inspect(world)).steps;
}

async function taskState(world: World): Promise<TaskState> {
  await prepare(world);
  const { task } = await inspect(world);
  if (!task) throw new Error(`task ${world.taskUuid} has no task`);
  return task.state;
}

/**
 * The task namespace as seen by a consumer that dies right after each report's answer: the report
 * lands (with the steps it claimed for the consumer), the answer never reaches the consumer, so none
 * of them runs. Its messages were acked or not: a redelivery's claim is refused either way.
 */
const answerDroppingEnv = {
  ...env,
  TASKS: {
    getByName(name: string): TaskObjectRpc {
      const task = taskObject(env, name);
      return {
        claim: (stepUuid, dispatchId) => task.claim(stepUuid, dispatchId),
        claimMany: (items) => task.claimMany(items),
        report: async (stepUuid, dispatchId, outcome, options) => {
          const { accepted, step_state } = await task.report(stepUuid, dispatchId, outcome, options);
          return { accepted, step_state };
        },
        reportMany: async (items) => (await task.reportMany(items)).map(({ accepted, step_state }) => ({ accepted, step_state })),
      };
    },
  },
};

/** Delivers messages to the consumer; those it asks the queue to retry go back to the mailbox, as a queue would. */
async function deliver(world: World, messages: StepMessage[], workerEnv: object = env): Promise<void> {
  if (messages.length === 0) return;
  await prepare(world);
  const ids = messages.map((body, i) => `m${i}-${body.dispatch_id}`);
  const batch = createMessageBatch(
    "tasker-steps-manual",
    messages.map((body, i) => ({ id: ids[i] ?? "", timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await consume(batch as MessageBatch<unknown>, workerEnv, ctx);
  const { retryMessages } = await getQueueResult(batch, ctx);
  for (const retried of retryMessages) {
    const message = messages[ids.indexOf(retried.msgId)];
    if (message) world.mailbox.push(message);
  }
}

function takeMailbox(world: World): StepMessage[] {
  return world.mailbox.splice(0, world.mailbox.length);
}

/**
 * Lets `ms` pass for the object: its timers come `ms` closer, and so does the alarm it armed, which
 * runs if that makes it due. Time moves only through the alarm the object really armed.
 */
async function advance(world: World, ms: number): Promise<boolean> {
  await prepare(world);
  const due = await runInDurableObject(stub(world.taskUuid), async (_i, state) => {
    state.storage.sql.exec("UPDATE timers SET due_at = due_at - ?", ms);
    const alarm = await state.storage.getAlarm();
    if (alarm === null) return false;
    if (alarm - ms <= Date.now()) return true;
    await state.storage.setAlarm(alarm - ms);
    return false;
  });
  return due ? runDurableObjectAlarm(stub(world.taskUuid)) : false;
}

/**
 * The invariants of a process that may die at any await: timers always have an alarm at or before
 * the earliest of them, and unsent messages, unperformed effects and unwritten index rows always
 * have a timer that retries them.
 */
async function alarmProblemsNow(world: World): Promise<{ problems: string[]; alarmInDelivery: boolean }> {
  const { task, timers, outbox, effects, alarm } = await inspect(world);
  if (task === null) return { problems: [], alarmInDelivery: false };
  const problems: string[] = [];
  // A paused task's step timers are held: the alarm need not point at them (TIMERS_FIRING_WHILE_PAUSED aside).
  const firable = timers.filter((t) => task.paused_at === null || t.step_uuid === null || TIMERS_FIRING_WHILE_PAUSED.has(t.kind));
  const earliest = firable.length === 0 ? null : Math.min(...firable.map((t) => t.due_at));
  const timersOf = (kind: string) => timers.filter((t) => t.kind === kind).length;
  // An alarm set for an overdue timer may read back as the moment it was set: both fire at once.
  if (earliest !== null && (alarm === null || (alarm > earliest && alarm > Date.now()))) {
    problems.push(`timers due at ${earliest} but the alarm is ${alarm === null ? "not armed" : `at ${alarm}`}`);
  }
  const unsent = outbox.length + effects.filter((e) => e.effect.kind !== "index_task").length;
  if (unsent > 0 && timersOf("outbox_flush") === 0) {
    problems.push(`${unsent} outbox rows or effects with no flush timer`);
  }
  if (effects.some((e) => e.effect.kind === "index_task") && timersOf("index_flush") === 0) {
    problems.push("an index write pending with no retry timer");
  }
  // Timers with no alarm may be the platform delivering the alarm right now: it took the alarm and
  // runs the handler as soon as the object is free. That alarm may have been set for an overdue timer,
  // or for one since deleted or moved later (the alarm only ever moves earlier), so the timers left
  // may all be in the future; the handler re-arms for them. A real breach stays after the looks.
  const alarmInDelivery = alarm === null && earliest !== null;
  return { problems, alarmInDelivery };
}

/** The invariants, looking again (a bounded few times) while an alarm may be in delivery; a real breach stays. */
async function alarmProblems(world: World): Promise<string[]> {
  for (let look = 0; ; look++) {
    const { problems, alarmInDelivery } = await alarmProblemsNow(world);
    if (problems.length === 0 || !alarmInDelivery || look === 20) return problems;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Runs one operation; if the process died during it, checks what the dead instance left durable
 * (before anything wakes the object again and repairs it), then evicts it, as a restart would.
 */
async function survive(world: World, label: string, problems: string[], operation: () => Promise<unknown>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    if (!world.diedAt) throw error;
  }
  world.crashAfter = null;
  if (!world.diedAt) return;
  for (const problem of await alarmProblems(world)) problems.push(`${label}, died at ${world.diedAt}: ${problem}`);
  world.diedAt = null;
  await evictDurableObject(stub(world.taskUuid));
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

const ACTIONS: StepAction[] = [
  { action_type: "reset_for_retry", performed_by: "lab", reason: "fault lab" },
  { action_type: "resolve_manually", performed_by: "lab", reason: "fault lab" },
  { action_type: "complete_manually", performed_by: "lab", reason: "fault lab", result: { manual: true } },
];

async function operatorAction(world: World, rand: () => number): Promise<void> {
  const steps = await readSteps(world);
  const step = steps[Math.floor(rand() * steps.length)];
  if (!step) return;
  await stub(world.taskUuid).applyStepAction(step.step_uuid, ACTIONS[Math.floor(rand() * ACTIONS.length)] as StepAction);
}

async function inject(fault: Fault, world: World, rand: () => number, label: string, problems: string[]): Promise<void> {
  switch (fault) {
    case "deliver":
      return deliver(world, takeMailbox(world));
    case "deliver_shuffled_with_duplicates": {
      const pending = takeMailbox(world);
      const replays = world.sent.filter(() => rand() < 0.3);
      return deliver(world, shuffle([...pending, ...pending.filter(() => rand() < 0.5), ...replays], rand));
    }
    case "drop_before_claim":
      // The message was lost, or its consumer died before claiming: only the claim timeout brings it back.
      world.mailbox.splice(Math.floor(rand() * world.mailbox.length), 1);
      return;
    case "die_after_eager_report": {
      // A consumer runs one step, reports it, and dies with the answer: the steps that report claimed
      // for it hold their attempts until their deadlines, which the alarm fires later in the scenario.
      const [victim] = world.mailbox.splice(Math.floor(rand() * world.mailbox.length), 1);
      if (victim) await deliver(world, [victim], answerDroppingEnv);
      return;
    }
    case "die_after_claim": {
      const [victim] = world.mailbox.splice(Math.floor(rand() * world.mailbox.length), 1);
      if (victim) await stub(world.taskUuid).claim(victim.step_uuid, victim.dispatch_id); // ran, never reported
      return;
    }
    case "fire_timers":
      await advance(world, 1_000 + Math.floor(rand() * 70_000));
      return;
    case "alarm_twice":
      // At-least-once alarms: the one the object armed, then the same delivery again.
      if (await advance(world, 70_000)) await runInDurableObject(stub(world.taskUuid), (instance) => instance.alarm());
      return;
    case "evict_object":
      return evictDurableObject(stub(world.taskUuid));
    case "outbox_left_unsent": {
      // An object written by an older release: a durable outbox row and no timer or alarm for it.
      // Waking up must find it and send it again.
      const steps = await readSteps(world);
      const victim = steps.find((s) => s.state === "enqueued" && s.dispatch_id);
      if (!victim) return;
      await runInDurableObject(stub(world.taskUuid), (_i, state) => {
        state.storage.sql.exec(
          "INSERT OR REPLACE INTO outbox (dispatch_id, step_uuid, attempt, created_at) VALUES (?, ?, ?, ?)",
          victim.dispatch_id,
          victim.step_uuid,
          victim.attempts + 1,
          Date.now(),
        );
        state.storage.sql.exec("DELETE FROM timers WHERE kind = 'outbox_flush'");
      });
      await evictDurableObject(stub(world.taskUuid));
      await advance(world, 5_000);
      return;
    }
    case "crash_at_await": {
      // The process dies at the 1st–3rd await point of whatever runs next, after its commit.
      world.crashAfter = 1 + Math.floor(rand() * 3);
      const roll = rand();
      const operation =
        roll < 0.5
          ? () => deliver(world, takeMailbox(world))
          : roll < 0.75
            ? () => advance(world, 1_000 + Math.floor(rand() * 70_000))
            : roll < 0.85
              ? () => sendEvent(world, rand)
              : roll < 0.97
                ? () => operatorAction(world, rand)
                : () => stub(world.taskUuid).cancel("fault lab");
      await prepare(world);
      return survive(world, label, problems, operation);
    }
    case "operator_action":
      return operatorAction(world, rand);
    case "cancel":
      await stub(world.taskUuid).cancel("fault lab");
      return;
    case "send_event":
      await sendEvent(world, rand);
      return;
    case "pause":
      await stub(world.taskUuid).pause(LAB_CONTROL);
      return;
    case "resume":
      await stub(world.taskUuid).resume(LAB_CONTROL);
      return;
  }
}

const LAB_CONTROL = { performed_by: "lab", reason: "fault lab" };

/** Dispatches and claims so far: while the task is paused neither may grow. */
async function dispatchesAndClaims(world: World): Promise<{ paused: boolean; moves: number }> {
  const { task, stepTransitions } = await inspect(world);
  return {
    paused: task?.paused_at != null,
    moves: stepTransitions.filter((t) => t.event === "enqueue" || t.event === "start").length,
  };
}

/**
 * No alarm was found: the platform may be delivering it right now (it took the alarm, set for a time
 * that has come, and runs the handler, which re-arms for the timers left, once the object is free).
 * Looks again a bounded few times; a task really left without an alarm stays without one.
 */
async function alarmBackAfterDelivery(world: World): Promise<boolean> {
  for (let look = 0; look < 20; look++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if ((await inspect(world)).alarm !== null) return true;
  }
  return false;
}

/** Lets the world behave until nothing moves: deliver every message sent, then let the armed alarm fire. */
async function drain(world: World): Promise<string | null> {
  for (let round = 0; round < 400; round++) {
    if (world.mailbox.length > 0) {
      await deliver(world, takeMailbox(world));
      continue;
    }
    const steps = await readSteps(world);
    const inFlight = steps.some((s) => IN_FLIGHT_STEP_STATES.has(s.state));
    const state = await taskState(world);
    if ((await inspect(world)).task?.paused_at != null) {
      await stub(world.taskUuid).resume(LAB_CONTROL);
      continue;
    }
    if (!inFlight && (TERMINAL_TASK_STATES.has(state) || state === "blocked_by_failures")) return null;
    const fired = await advance(world, 200_000);
    if (!fired && world.mailbox.length === 0 && !(await alarmBackAfterDelivery(world))) {
      return `stranded in ${state}: steps in flight, no message to deliver and no alarm armed`;
    }
  }
  return "the task did not settle within 400 drain rounds";
}

/** Checks the suite's invariants on the object's own records; returns every violation found. */
async function violations(world: World): Promise<string[]> {
  const problems: string[] = [];
  await prepare(world);
  const inspection = await inspect(world);
  const { task, steps, stepTransitions: stepLog, taskTransitions: taskLog, edges } = inspection;
  const outbox = inspection.outbox.length;
  if (!task) return [`task ${world.taskUuid} has no task`];
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
  problems.push(...(await waitViolations(world, steps)));
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

/**
 * The waits' invariants once the task settled: no wait is left recorded, a step that took an event
 * took one meant for this task, and no event was taken twice.
 */
async function waitViolations(world: World, steps: StepRowLite[]): Promise<string[]> {
  const problems: string[] = [];
  const { waits, consumers } = await runInDurableObject(stub(world.taskUuid), (_i, state) => ({
    waits: state.storage.sql.exec("SELECT step_uuid FROM waits").toArray().length,
    consumers: state.storage.sql
      .exec<{ consumed_by: string; n: number }>(
        "SELECT consumed_by, COUNT(*) AS n FROM events WHERE consumed_by IS NOT NULL GROUP BY consumed_by",
      )
      .toArray(),
  }));
  if (waits > 0) problems.push(`${waits} waits still recorded on a settled task`);
  for (const step of steps) {
    if ((JSON.parse(step.definition) as { handler: { callable: string } }).handler.callable !== "tasker.wait_for_event") continue;
    const { results } = step as StepRowLite & { results: string | null };
    const result = results === null ? null : (JSON.parse(results) as { seed?: unknown });
    if (step.state === "complete" && result && "seed" in result && result.seed !== world.seed) {
      problems.push(`${step.name} took an event meant for another task (seed ${String(result.seed)})`);
    }
    const taken = consumers.find((c) => c.consumed_by === step.step_uuid)?.n ?? 0;
    if (taken > step.attempts) problems.push(`${step.name} took ${taken} events in ${step.attempts} attempts`);
  }
  return problems;
}

/** The create input of a lab task. */
function labTaskInput(world: World, template: TaskTemplate) {
  return {
    task_uuid: world.taskUuid,
    template,
    context: { seed: world.seed },
    initiator: "fault-lab",
    source_system: "vitest",
    reason: `seed ${world.seed}`,
    priority: 0,
    tags: [],
    correlation_id: `fault-lab-${world.seed}`,
    parent_correlation_id: null,
    created_by: "fault-lab",
    namespace_scope: null,
  };
}

/** What became of the step a dropped report answer held, seen at each stage. */
export interface DroppedAnswerReport {
  /** The claimed step right after the answer was lost, and after its deadline fired. */
  handed: { state: StepState; attempts: number };
  afterDeadline: { state: StepState; attempts: number };
  finalState: TaskState | "unknown";
  finalAttempts: number;
  /** The step's audit: event and whether the transition says it was handed over eagerly. */
  audit: [string, boolean][];
  problems: string[];
}

/**
 * A consumer runs the first of two steps, reports it, and dies with the answer that carried the
 * second step already claimed for it. The second step's deadline recovers it as a counted, timed-out
 * attempt; its retry goes through the queue and the task completes, with every invariant checked.
 */
export async function runDroppedAnswerScenario(): Promise<DroppedAnswerReport> {
  const step = (name: string, dependencies: string[]) => ({
    name,
    handler: { callable: "ScriptedHandler", initialization: { behaviour: "succeed" } },
    dependencies,
    // Long enough that no timer comes due on the wall clock while the test runs: time moves only
    // through the lab's advances, so the alarm is never in delivery behind the lab's back.
    retry: { max_attempts: 2, backoff: "exponential", backoff_base_ms: 60_000, max_backoff_ms: 60_000 },
    timeout_seconds: 60,
  });
  const parsed = validateTemplate({
    name: "dropped_eager_answer",
    namespace_name: "manual",
    version: "1.0.0",
    steps: [step("first", []), step("second", ["first"])],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const world: World = { taskUuid: uuidv7(), seed: 0, events: [], mailbox: [], sent: [], crashAfter: null, diedAt: null };
  await prepare(world);
  await stub(world.taskUuid).create(labTaskInput(world, parsed.template));
  const second = async () => {
    const row = (await readSteps(world)).find((s) => s.name === "second");
    return { state: row?.state ?? ("unknown" as StepState), attempts: row?.attempts ?? -1, uuid: row?.step_uuid ?? "" };
  };
  await deliver(world, takeMailbox(world), answerDroppingEnv);
  const handed = await second();
  // The step's timeout is 60 s; its deadline adds the grace. Nothing else is due before it.
  await advance(world, 60_000 + DEADLINE_GRACE_MS);
  const afterDeadline = await second();
  const problems = await alarmProblems(world);
  const stranded = await drain(world);
  if (stranded) problems.push(stranded);
  else problems.push(...(await violations(world)));
  const final = await second();
  const transitions = await taskObject(env, world.taskUuid).stepAudit(handed.uuid);
  const audit = (transitions.ok ? transitions.value : []).map((t): [string, boolean] => [t.event, t.metadata.eager === true]);
  return {
    handed: { state: handed.state, attempts: handed.attempts },
    afterDeadline: { state: afterDeadline.state, attempts: afterDeadline.attempts },
    finalState: await taskState(world).catch(() => "unknown" as const),
    finalAttempts: final.attempts,
    audit,
    problems,
  };
}

/**
 * Runs one seeded scenario: a random DAG, random faults with the alarm invariants checked after
 * every one, then a drain and the invariant checks on the object's records. Never throws for a
 * broken invariant: the report lists them, so a run can show every failing seed.
 */
export async function runScenario(seed: number): Promise<ScenarioReport> {
  const rand = prng(seed);
  const template = randomTemplate(rand, seed);
  const world: World = { taskUuid: uuidv7(), seed, events: [], mailbox: [], sent: [], crashAfter: null, diedAt: null };
  const problems: string[] = [];
  const faults: Partial<Record<Fault, number>> = {};
  const input = labTaskInput(world, template);
  // One creation in four dies at an await point after its commit; half of those are retried by the client.
  await prepare(world);
  if (rand() < 0.25) {
    world.crashAfter = 1 + Math.floor(rand() * 2);
    faults.crash_at_await = 1;
    await survive(world, "create", problems, () => stub(world.taskUuid).create(input));
    if (rand() < 0.5) {
      await prepare(world);
      await stub(world.taskUuid).create(input);
    }
  } else {
    await stub(world.taskUuid).create(input);
  }
  for (const problem of await alarmProblems(world)) problems.push(`after create: ${problem}`);
  for (let round = 0; round < 40; round++) {
    const fault = pickFault(rand);
    faults[fault] = (faults[fault] ?? 0) + 1;
    const label = `round ${round} (${fault})`;
    await prepare(world);
    const before = await dispatchesAndClaims(world);
    await inject(fault, world, rand, label, problems);
    if (before.paused && fault !== "resume") {
      const after = await dispatchesAndClaims(world);
      if (after.moves > before.moves) problems.push(`after ${label}: a step was dispatched or claimed while the task was paused`);
    }
    for (const problem of await alarmProblems(world)) problems.push(`after ${label}: ${problem}`);
    if (TERMINAL_TASK_STATES.has(await taskState(world))) break;
  }
  const stranded = await drain(world);
  if (stranded) problems.push(stranded);
  else problems.push(...(await violations(world)));
  const batch = template.steps.some((s) => s.type === "batchable");
  const waits = template.steps.filter((s) => s.handler.callable.startsWith("tasker.")).length;
  const finalState = await taskState(world).catch(() => "unknown" as const);
  return { seed, steps: template.steps.length, batch, waits, finalState, faults, problems };
}
