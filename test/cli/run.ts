// The `tasker` CLI against a running orchestrator: builds the package, starts `wrangler dev` on a free port with fresh state,
// and runs the shipped bin/tasker.js for every command family, checking its output and exit codes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killGroupsOnExit, quietEnv, spawnGroup, startWranglerDev } from "../support/wrangler-dev.ts";

const repo = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "tasker-cli-"));
const started = Date.now();

function say(message: string): void {
  console.log(`[cli ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);
}

killGroupsOnExit(() => rmSync(work, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in its own process group and resolves with its exit code and output, whatever the code. */
function exec(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawnGroup(command, args, { cwd: repo, env });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

function assert(condition: unknown, message: string, outcome?: Outcome): asserts condition {
  if (!condition) {
    const shown = outcome
      ? `\n  exit ${outcome.code}\n  stdout: ${outcome.stdout.slice(-3000)}\n  stderr: ${outcome.stderr.slice(-3000)}`
      : "";
    throw new Error(`assertion failed: ${message}${shown}`);
  }
}

let baseUrl = "";

/** `tasker …` as a user runs it: the shipped bin, the URL from the environment, stdout a pipe (so plain text). */
function tasker(...args: string[]): Promise<Outcome> {
  return exec(process.execPath, [join(repo, "bin/tasker.js"), ...args], quietEnv({ TASKER_URL: baseUrl }), 120_000);
}

async function expectExit(expected: number, args: string[]): Promise<Outcome> {
  const outcome = await tasker(...args);
  assert(outcome.code === expected, `tasker ${args.join(" ")} exits ${expected}`, outcome);
  return outcome;
}

async function submit(
  name: string,
  namespace: string,
  context: Record<string, unknown>,
  initiator = "cli-test",
): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name,
      namespace,
      version: "1.0.0",
      context,
      initiator,
      source_system: "cli-test",
      reason: "cli test",
    }),
  });
  const body = (await response.json()) as { task_uuid: string };
  assert(response.status === 201, `submitting ${namespace}/${name} answers 201: ${JSON.stringify(body)}`);
  return body.task_uuid;
}

/** Polls a condition the index reaches a moment after the tasks (it trails each task's object by one flush). */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`never happened: ${what}`);
}

const BAD_TEMPLATE = `name: broken_flow
namespace_name: cli_test
version: 1.0.0
steps:
  - name: first
    handler: { callable: EchoHandler }
  - name: second
    handler: { callable: EchoHandler }
    dependencies: [frist]
    retry: { max_attempts: zero }
`;

const GOOD_TEMPLATE = `name: pushed_flow
namespace_name: cli_test
version: 1.0.0
steps:
  - name: first
    handler: { callable: EchoHandler }
  - name: second
    handler: { callable: EchoHandler }
    dependencies: [first]
`;

async function checks(): Promise<void> {
  say("a task to completion: watch, show as a tree and as JSON, list");
  const order = await submit("order_fulfillment", "ecommerce", {
    order_id: `ORD-${crypto.randomUUID().slice(0, 8)}`,
    customer_email: "cli@example.com",
  });
  const watched = await expectExit(0, ["tasks", "watch", order, "--interval", "100"]);
  assert(watched.stdout.includes("complete") && watched.stdout.includes("validate_order"), "watch ends with the tree", watched);
  const tree = await expectExit(0, ["tasks", "show", order]);
  assert(!tree.stdout.includes("\u001b["), "no colour when stdout is not a terminal", tree);
  assert(/^└─ validate_order {2}complete/m.test(tree.stdout), "the root step is drawn with its state", tree);
  assert(/^ {3}(├|└)─ reserve_inventory {2}complete/m.test(tree.stdout), "a dependent step hangs under its parent", tree);
  const shown = JSON.parse((await expectExit(0, ["tasks", "show", order, "--json"])).stdout) as {
    task: { status: string };
    steps: { current_state: string }[];
  };
  assert(shown.task.status === "complete" && shown.steps.every((s) => s.current_state === "complete"), "show --json");
  await eventually("the index lists the order", async () => {
    const listed = await tasker("tasks", "list", "--namespace", "ecommerce", "--json");
    return (
      listed.code === 0 &&
      (JSON.parse(listed.stdout) as { tasks: { task_uuid: string }[] }).tasks.some((t) => t.task_uuid === order)
    );
  });
  const listed = await expectExit(0, ["tasks", "list", "--namespace", "ecommerce"]);
  assert(listed.stdout.includes(order) && /page 1 of \d+/.test(listed.stdout), "tasks list prints rows and the page", listed);

  say("a blocked task repaired: steps retry (fails again), steps resolve, then it completes");
  const blocked = await submit("permanent_failure", "demo", { run: crypto.randomUUID() });
  const blockedWatch = await expectExit(1, ["tasks", "watch", blocked, "--interval", "100"]);
  assert(blockedWatch.stdout.includes("blocked_by_failures"), "watch says blocked", blockedWatch);
  assert(blockedWatch.stdout.includes("validate_input  error"), "the failed step is drawn in error", blockedWatch);
  const retried = await expectExit(0, ["steps", "retry", blocked, "validate_input", "--reason", "try again", "--by", "ops"]);
  assert(/validate_input {2}error → (pending|enqueued)/.test(retried.stdout), "steps retry", retried);
  await expectExit(1, ["tasks", "watch", blocked, "--interval", "100"]);
  const resolved = await expectExit(0, ["steps", "resolve", blocked, "validate_input", "--reason", "input checked by hand"]);
  assert(resolved.stdout.includes("→ resolved_manually"), "steps resolve", resolved);
  const repaired = await expectExit(0, ["tasks", "watch", blocked, "--interval", "100"]);
  assert(/never_runs {2}complete/.test(repaired.stdout), "the step after the repaired one ran", repaired);

  say("steps complete with a result, tasks cancel, and refusals");
  const completedByHand = await submit("permanent_failure", "demo", { run: crypto.randomUUID() });
  await expectExit(1, ["tasks", "watch", completedByHand, "--interval", "100"]);
  await expectExit(2, ["steps", "complete", completedByHand, "validate_input", "--result", "{not json"]);
  await expectExit(0, ["steps", "complete", completedByHand, "validate_input", "--result", '{"valid":true}']);
  await expectExit(0, ["tasks", "watch", completedByHand, "--interval", "100"]);
  const slow = await submit("slow_step", "demo", { run: crypto.randomUUID() });
  const cancelled = await expectExit(0, ["tasks", "cancel", slow, "--reason", "not needed"]);
  assert(cancelled.stdout.includes("cancelled"), "tasks cancel", cancelled);
  const again = await expectExit(3, ["tasks", "cancel", slow]);
  assert(again.stderr.includes("409 task_already_terminal"), "a refusal shows the API's code", again);
  await expectExit(3, ["tasks", "show", crypto.randomUUID()]);
  await expectExit(2, ["tasks", "show"]);
  await expectExit(2, ["tasks", "list", "--colour"]);

  say("templates: list, show, validate a bad file (problems at key paths), push a good one");
  const templates = await expectExit(0, ["templates", "list"]);
  assert(templates.stdout.includes("ecommerce/order_fulfillment@1.0.0"), "templates list", templates);
  const template = await expectExit(0, ["templates", "show", "ecommerce", "order_fulfillment"]);
  assert(template.stdout.includes("└─ validate_order"), "templates show draws the steps", template);
  writeFileSync(join(work, "bad.yaml"), BAD_TEMPLATE);
  writeFileSync(join(work, "good.yaml"), GOOD_TEMPLATE);
  const bad = await expectExit(1, ["templates", "validate", join(work, "bad.yaml")]);
  assert(bad.stderr.includes("steps[1].dependencies[0]"), "the unknown dependency at its key path", bad);
  assert(bad.stderr.includes("steps[1].retry.max_attempts"), "the malformed retry at its key path", bad);
  await expectExit(1, ["templates", "push", join(work, "bad.yaml")]);
  await expectExit(0, ["templates", "validate", join(work, "good.yaml")]);
  const pushed = await expectExit(0, ["templates", "push", join(work, "good.yaml")]);
  assert(pushed.stdout.includes("cli_test/pushed_flow@1.0.0: registered"), "templates push", pushed);
  const repeated = await expectExit(0, ["templates", "push", join(work, "good.yaml")]);
  assert(repeated.stdout.includes("already registered"), "pushing the same content again", repeated);

  say("tasks bulk: a dry run changes nothing, --yes runs the job and follows it to the end");
  const initiator = `bulk-${crypto.randomUUID().slice(0, 8)}`;
  const stuck = await Promise.all(
    [1, 2, 3].map(() => submit("permanent_failure", "demo", { run: crypto.randomUUID() }, initiator)),
  );
  for (const uuid of stuck) await expectExit(1, ["tasks", "watch", uuid, "--interval", "100"]);
  const filter = ["--initiator", initiator, "--status", "blocked_by_failures"];
  await eventually("the index lists the three blocked tasks", async () => {
    const dry = await tasker("tasks", "bulk", "give-up", ...filter, "--reason", "abandoned", "--json");
    return dry.code === 0 && (JSON.parse(dry.stdout) as { matched: number }).matched === 3;
  });
  const dry = await expectExit(0, ["tasks", "bulk", "give-up", ...filter, "--reason", "abandoned"]);
  assert(dry.stdout.includes("dry run: give_up would act on 3 tasks") && dry.stdout.includes("--yes"), "the dry run", dry);
  await expectExit(1, ["tasks", "show", stuck[0] as string]);
  const ran = await expectExit(0, ["tasks", "bulk", "give-up", ...filter, "--reason", "abandoned", "--yes", "--interval", "100"]);
  assert(
    /completed {2}3\/3 processed · 3 succeeded · 0 skipped · 0 failed/.test(ran.stdout),
    "the job's progress to the end",
    ran,
  );
  for (const uuid of stuck) {
    const after = JSON.parse((await expectExit(1, ["tasks", "show", uuid, "--json"])).stdout) as { task: { status: string } };
    assert(after.task.status === "error", `bulk give_up ended ${uuid} as error`);
  }
  const jobId = /bulk job ([0-9a-f-]{36})/.exec(ran.stdout)?.[1];
  assert(jobId, "the job's id is printed", ran);
  const status = await expectExit(0, ["tasks", "bulk", "status", jobId]);
  assert(status.stdout.includes("give_up by anonymous"), "tasks bulk status", status);
  const jobs = await expectExit(0, ["tasks", "bulk", "jobs"]);
  assert(jobs.stdout.includes(jobId), "tasks bulk jobs lists it", jobs);
  const stopped = await expectExit(3, ["tasks", "bulk", "stop", jobId]);
  assert(stopped.stderr.includes("409 job_finished"), "a finished job cannot be stopped", stopped);

  say("schedules: the bundled nightly one listed, triggered (a task starts), paused and resumed; one created and deleted");
  const nightly = "analytics.nightly_sales_report.nightly";
  await eventually("the index lists the bundled schedule", async () => {
    const listed = await tasker("schedules", "list", "--namespace", "analytics", "--json");
    return listed.code === 0 && listed.stdout.includes(nightly);
  });
  const schedules = await expectExit(0, ["schedules", "list", "--source", "template"]);
  assert(
    schedules.stdout.includes(`${nightly}  active  0 2 * * * (Europe/Paris)`) && /page 1 of 1/.test(schedules.stdout),
    "schedules list",
    schedules,
  );
  const fired = await expectExit(0, ["schedules", "trigger", nightly]);
  const firedTask = new RegExp(`^${nightly.replaceAll(".", "\\.")} {2}started {2}([0-9a-f-]{36})$`, "m").exec(fired.stdout)?.[1];
  assert(firedTask, "schedules trigger prints the task it started", fired);
  await expectExit(0, ["tasks", "watch", firedTask, "--interval", "100"]);
  const shownSchedule = await expectExit(0, ["schedules", "show", nightly]);
  assert(shownSchedule.stdout.includes(`started (trigger)  ${firedTask}`), "schedules show lists the fire", shownSchedule);
  const pausedSchedule = await expectExit(0, ["schedules", "pause", nightly]);
  assert(pausedSchedule.stdout.includes(`${nightly}  paused`), "schedules pause", pausedSchedule);
  const pausedJson = JSON.parse((await expectExit(0, ["schedules", "show", nightly, "--json"])).stdout) as { paused: boolean };
  assert(pausedJson.paused, "show --json says paused");
  const resumedSchedule = await expectExit(0, ["schedules", "resume", nightly]);
  assert(resumedSchedule.stdout.includes(`${nightly}  active`), "schedules resume", resumedSchedule);
  const templateDelete = await expectExit(3, ["schedules", "delete", nightly]);
  assert(templateDelete.stderr.includes("409"), "a template's schedule is not deleted through the API", templateDelete);
  await expectExit(2, ["schedules", "create", "--namespace", "analytics", "--template", "sales_report", "--name", "x"]);
  const createdSchedule = await expectExit(0, [
    "schedules",
    "create",
    "--namespace",
    "analytics",
    "--template",
    "sales_report",
    "--name",
    "cli_hourly",
    "--interval",
    "1h",
    "--context",
    '{"orders":[{"customer":"ada","amount":120}]}',
    "--overlap",
    "skip",
  ]);
  assert(
    createdSchedule.stdout.includes("created analytics.cli_hourly  active  every 3600s"),
    "schedules create",
    createdSchedule,
  );
  const deletedSchedule = await expectExit(0, ["schedules", "delete", "analytics.cli_hourly"]);
  assert(deletedSchedule.stdout.includes("analytics.cli_hourly  deleted"), "schedules delete", deletedSchedule);
  await expectExit(3, ["schedules", "show", "analytics.cli_hourly"]);

  say("tasks pause and resume");
  const pausable = await submit("slow_step", "demo", { run: crypto.randomUUID() });
  const pausedTask = await expectExit(0, ["tasks", "pause", pausable, "--reason", "supplier outage", "--by", "ops"]);
  assert(pausedTask.stdout.includes("  paused"), "tasks pause", pausedTask);
  const pausedView = JSON.parse((await expectExit(0, ["tasks", "show", pausable, "--json"])).stdout) as {
    task: { paused: { reason: string; performed_by: string } | null };
  };
  assert(pausedView.task.paused?.reason === "supplier outage" && pausedView.task.paused.performed_by === "ops", "paused by ops");
  const resumedTask = await expectExit(0, ["tasks", "resume", pausable, "--reason", "supplier back"]);
  assert(resumedTask.stdout.includes("  running"), "tasks resume", resumedTask);
  await expectExit(0, ["tasks", "cancel", pausable]);

  say("events send: a manager's decision routed to the expense waiting for it, which then completes");
  const expenseId = `EXP-${crypto.randomUUID().slice(0, 8)}`;
  const expense = await submit("expense_decision", "approvals", { expense_id: expenseId, amount: 420, employee: "ada" });
  await eventually("manager_decision waits for its event", async () => {
    const shown = await tasker("tasks", "show", expense, "--json");
    const steps = (JSON.parse(shown.stdout) as { steps: { name: string; waiting: unknown }[] }).steps;
    return steps.some((step) => step.name === "manager_decision" && step.waiting !== null);
  });
  await expectExit(2, ["events", "send", "manager_decision", "--payload", "{not json"]);
  const payload = JSON.stringify({ expense_id: expenseId, approved: true, comment: "enjoy" });
  const sent = await expectExit(0, ["events", "send", "manager_decision", "--payload", payload]);
  assert(sent.stdout.includes(`${expense}  delivered  manager_decision`), "events send routes the decision", sent);
  const decided = await expectExit(0, ["tasks", "watch", expense, "--interval", "100"]);
  assert(/finalize_decision {2}complete/.test(decided.stdout), "the expense completes after the decision", decided);
  const nobody = await expectExit(0, ["events", "send", "manager_decision", "--payload", payload]);
  assert(nobody.stdout.includes("manager_decision: no task waits for it"), "no task waits any more", nobody);
  const repeat = await expectExit(0, ["events", "send", "manager_decision", "--payload", payload, "--task", expense]);
  assert(repeat.stdout.includes(`${expense}  duplicate`), "the same event to the task is a duplicate", repeat);
}

async function main(): Promise<void> {
  // CLI_TEST_PREBUILT=1 reuses dist/ from an earlier `npm run build` while iterating on this test.
  if (process.env.CLI_TEST_PREBUILT !== "1") {
    say("building the package (dist/cli.js is what bin/tasker.js runs)");
    const build = await exec("npm", ["run", "build"], quietEnv());
    assert(build.code === 0, "npm run build", build);
  }

  say(`wrangler dev (npm start's configuration), state in ${work}`);
  const dev = await startWranglerDev({
    cwd: repo,
    persistTo: join(work, "state"),
    vars: { TASKER_CHECK_RESPONSES: "on" },
  });
  baseUrl = dev.baseUrl;
  try {
    await checks();
  } catch (error) {
    console.error(`wrangler dev output:\n${dev.output().slice(-6000)}`);
    throw error;
  }
}

main().then(
  () => {
    say("passed");
    process.exit(0);
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
