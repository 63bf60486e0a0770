// Crash test: submits a seeded mix to `wrangler dev`, SIGKILLs the whole runtime at seeded moments,
// restarts it on the same state, and checks that every task settles untouched and every invariant holds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "../../bench/lib/prng.ts";
import { readRecoveryTimers, settleBound, type TemplateStep } from "./bound.ts";
import { checkTasks, describeStranded, type Violation, verdictOf } from "./checks.ts";
import { Api } from "./http.ts";
import { readTaskTree } from "./objects.ts";
import { type Restart, recoveryAfter } from "./recovery.ts";
import { burstThenKill, type KillReport, pickKillMoment, retryCut, warmUp } from "./rounds.ts";
import { groupMembers, killAllRuntimes, killRuntime, type Runtime, startRuntime } from "./runtime.ts";
import { waitForSettle } from "./settle.ts";
import { countBy, printSummary, type Summary } from "./summary.ts";
import { planRounds, registerTemplates, type Submission, TEMPLATES_USED } from "./workload.ts";

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${raw}`);
  return value;
}

const config = {
  seed: envNumber("CRASH_SEED", 20_261_129) >>> 0,
  rounds: Math.max(1, envNumber("CRASH_ROUNDS", 4)),
  burst: envNumber("CRASH_BURST", 40),
  batchWorkers: envNumber("CRASH_BATCH_WORKERS", 1_000),
  sumBatchWorkers: envNumber("CRASH_SUM_BATCH_WORKERS", 100),
  aftermathDelay: { minMs: envNumber("CRASH_KILL_MIN_MS", 300), maxMs: envNumber("CRASH_KILL_MAX_MS", 3_000) },
  hardTimeoutMs: envNumber("CRASH_TIMEOUT_MS", 9 * 60_000),
  keepState: process.env.CRASH_KEEP_STATE === "1",
};

/** Tasks whose records are read at once after settling (each reads its steps' audits 8 at a time). */
const READ_CONCURRENCY = 4;
const READY_TIMEOUT_MS = 90_000;
const START_ATTEMPTS = 3;

const started = Date.now();
function log(message: string): void {
  process.stderr.write(`[crash ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

async function templateSteps(api: Api): Promise<TemplateStep[]> {
  const details = await Promise.all(
    TEMPLATES_USED.map(({ namespace, name }) => api.get<{ steps: TemplateStep[] }>(`/v1/templates/${namespace}/${name}/1.0.0`)),
  );
  return details.flatMap((detail) => detail.steps);
}

/** What a submission's answers say that is wrong: refused, never answered, or answered with another task than its key names. */
function submissionViolations(all: readonly Submission[]): Violation[] {
  const violations: Violation[] = [];
  for (const entry of all) {
    const last = entry.outcomes.at(-1);
    if (last?.outcome === "refused") {
      violations.push({
        task_uuid: entry.expectedUuid,
        check: "submission_accepted",
        detail: `${entry.label}: ${last.status} ${last.detail}`,
      });
    }
    if (last?.outcome === "cut") {
      violations.push({ task_uuid: entry.expectedUuid, check: "submission_answered", detail: `${entry.label}: ${last.detail}` });
    }
    if (entry.taskUuid !== null && entry.taskUuid !== entry.expectedUuid) {
      violations.push({ task_uuid: entry.taskUuid, check: "idempotency", detail: `key ${entry.key} named ${entry.taskUuid}` });
    }
  }
  return violations;
}

async function main(): Promise<number> {
  const runDir = mkdtempSync(join(tmpdir(), "tasker-crash-"));
  const persistDir = join(runDir, "state");
  mkdirSync(persistDir);
  const initiator = `crash-test-${config.seed}`;
  log(`seed ${config.seed} (CRASH_SEED), ${config.rounds} kills, bursts of ${config.burst}; state and logs in ${runDir}`);
  const random = seededRandom(config.seed);
  const timers = readRecoveryTimers();
  const plan = await planRounds({ ...config, initiator }, random);
  const all = [...plan.warmUp, ...plan.rounds.flat()];
  const starts: Runtime[] = [];
  const start = async () => {
    const logPath = join(runDir, `wrangler-${starts.length}.log`);
    let runtime: Runtime | undefined;
    // A free port can be taken between finding it and binding it: a start that fails is tried again.
    for (let attempt = 1; !runtime; attempt++) {
      try {
        runtime = await startRuntime({ persistDir, logPath, readyTimeoutMs: READY_TIMEOUT_MS });
      } catch (error) {
        if (attempt === START_ATTEMPTS) throw error;
        log(`start failed (${(error as Error).message}); trying again`);
      }
    }
    starts.push(runtime);
    log(`runtime ${starts.length - 1} answers on ${runtime.url} after ${(runtime.startMs / 1000).toFixed(1)} s`);
    return runtime;
  };

  let runtime = await start();
  await registerTemplates(new Api(runtime.url));
  const bound = settleBound(timers, await templateSteps(new Api(runtime.url)));
  log(`settle bound: ${bound.explanation}`);
  const warm = await warmUp(runtime, plan.warmUp);
  // The pace: how long a burst waits for half its answers here and now; kills among creates are fractions of it.
  let paceMs = warm.medianAnswerMs ?? 1_000;
  log(`warm-up: ${warm.answered} tasks answered, half of them within ${paceMs} ms`);

  // The rounds: burst, kill at the seeded moment, restart on the same state, retry what the kill cut off.
  const kills: KillReport[] = [];
  const restarts: Restart[] = [];
  const retries: Summary["retries"] = [];
  let carried: Submission[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    const list = [...carried, ...(plan.rounds[round - 1] ?? [])];
    const moment = pickKillMoment(random, round, config.aftermathDelay);
    const { rest, ...kill } = await burstThenKill(runtime, round, list, moment, paceMs);
    if (kill.unsent === 0 && kill.cut === 0 && kill.medianAnswerMs !== null) paceMs = kill.medianAnswerMs;
    kills.push(kill);
    const previous = restarts.at(-1);
    if (previous) previous.nextKillAt = kill.killedAt;
    carried = rest;
    log(`kill ${round} among ${moment.among}, ${kill.delayMs} ms into the burst: ${kill.answered} answered, ${kill.cut} cut off`);
    runtime = await start();
    restarts.push({ killedAt: kill.killedAt, readyAt: runtime.readyAt, nextKillAt: null });
    const retried = await retryCut(runtime, all, restarts.length);
    retries.push({ restart: restarts.length, ...retried });
    if (retried.retried > 0) log(`retried ${retried.retried} cut-off submissions: ${retried.found} had reached their task (409)`);
  }

  // Settle: only the task index is read, so no task object is woken by the test itself.
  const api = new Api(runtime.url);
  const violations = submissionViolations(all);
  const submitted = all.filter((entry) => entry.taskUuid !== null);
  const roots = submitted.map((entry) => entry.taskUuid as string);
  const touched = new Set(submitted.filter((e) => e.touchedAfterRestart.length > 0).map((e) => e.taskUuid as string));
  log(`waiting up to ${bound.ms / 1000} s for ${roots.length} tasks and their children to settle, reading only GET /v1/tasks`);
  let lastLog = 0;
  const settle = await waitForSettle(api, initiator, roots, bound.ms, (pending, elapsed) => {
    if (elapsed - lastLog < 10_000) return;
    lastLog = elapsed;
    log(`  ${pending} not settled after ${(elapsed / 1000).toFixed(0)} s`);
  });
  log(
    settle.settled
      ? `settled ${(settle.elapsedMs / 1000).toFixed(1)} s after the last restart`
      : `${settle.unsettled.length} never settled`,
  );

  // Check: now reading the objects changes nothing the test measures.
  const rootSet = new Set(roots);
  for (const row of settle.index.values()) {
    if (row.source_system === "crash-test" && !rootSet.has(row.task_uuid)) {
      violations.push({
        task_uuid: row.task_uuid,
        check: "idempotency",
        detail: `no submission was answered with this ${row.name}`,
      });
    }
  }
  log(`reading ${roots.length} tasks and their children from their objects`);
  const records = await readTaskTree(api, roots, READ_CONCURRENCY);
  for (const uuid of roots) {
    if (!records.has(uuid)) violations.push({ task_uuid: uuid, check: "task_exists", detail: "a created task has no object" });
  }
  violations.push(...checkTasks(records, settle.index));
  const verdicts = new Map([...records.values()].map((task) => [task.task_uuid, verdictOf(task, records)]));
  const stranded = [...records.values()].filter((task) => verdicts.get(task.task_uuid) === "stranded");
  for (const task of stranded) {
    const how = touched.has(task.task_uuid) ? "woken by a client retry" : "untouched after the restarts";
    violations.push({
      task_uuid: task.task_uuid,
      check: "settled",
      detail: `stranded (${how}): ${describeStranded(task, records)}`,
    });
  }
  const strandedTouched = stranded.filter((task) => touched.has(task.task_uuid)).length;

  const summary: Summary = {
    seed: config.seed,
    kills,
    readyAt: restarts.map((restart) => restart.readyAt),
    restartMs: starts.slice(1).map((s) => s.startMs),
    retries,
    tasks: {
      roots: roots.length,
      children: records.size - rootSet.size,
      steps: [...records.values()].reduce((n, task) => n + task.steps.length, 0),
      notSent: carried.length,
    },
    statuses: countBy(records.values(), (task) => task.status),
    stranded: { total: stranded.length, untouched: stranded.length - strandedTouched, touched: strandedTouched },
    verdicts: countBy(verdicts.values(), (verdict) => verdict),
    settleBound: bound,
    settledAfterMs: settle.settled ? settle.elapsedMs : null,
    recovery: restarts.map((restart, i) => {
      const woken = submitted.filter((e) => e.touchedAfterRestart.includes(i + 1)).map((e) => e.taskUuid as string);
      return recoveryAfter(restart, records.values(), new Set(woken));
    }),
    violations: countBy(violations, (v) => v.check),
    elapsedMs: Date.now() - started,
  };
  const reportPath = join(runDir, "report.json");
  writeFileSync(reportPath, `${JSON.stringify({ ...summary, violationList: violations }, null, 2)}\n`);
  printSummary(summary, { stranded, touched, records, violations, reportPath });

  await killRuntime(runtime.pid);
  const leftovers = starts.flatMap((s) => groupMembers(s.pid));
  if (leftovers.length > 0) {
    console.log(`FAIL: processes of a killed runtime are still alive: ${leftovers.join(", ")}`);
    return 2;
  }
  const failed = violations.length > 0;
  if (failed || config.keepState) console.log(`state and logs kept in ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

// Whatever ends this process (success, failure, an error, the hard timeout, a signal), no runtime outlives it.
process.on("exit", killAllRuntimes);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    killAllRuntimes();
    process.exit(130);
  });
}
const hardTimeout = setTimeout(() => {
  console.error(`crash test: hard timeout of ${config.hardTimeoutMs / 1000} s (CRASH_TIMEOUT_MS) reached`);
  killAllRuntimes();
  process.exit(2);
}, config.hardTimeoutMs);

main()
  .then((code) => {
    clearTimeout(hardTimeout);
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error("crash test failed to run:", error);
    killAllRuntimes();
    process.exit(2);
  });
