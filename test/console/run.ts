// The console in a real browser: Chromium (from the OS) driven by playwright-core against the orchestrator under wrangler dev.
// Runs the seed order, repairs a blocked task, follows a sub-workflow both ways, pauses a task, cancels blocked tasks in
// bulk, triggers a schedule and opens a 2,000-worker batch; saves the screenshots docs/console.md shows (docs/images/)
// and prints the batch page's time to first render.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { killGroupsOnExit, startWranglerDev } from "../support/wrangler-dev.ts";

const repo = new URL("../..", import.meta.url).pathname;
const images = join(repo, "docs/images");
const state = mkdtempSync(join(tmpdir(), "tasker-edge-console-"));
const started = Date.now();
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** The batch case's size; the docs state its time to first render at this size. */
const BATCH_WORKERS = Number(process.env.CONSOLE_BATCH_WORKERS ?? 2_000);
let browser: Browser | undefined;

function say(message: string): void {
  console.log(`[console ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

killGroupsOnExit(() => rmSync(state, { recursive: true, force: true }));

async function submit(baseUrl: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert(response.status === 201, `the task is created: ${response.status} ${text}`);
  return (JSON.parse(text) as { task_uuid: string }).task_uuid;
}

const taskUuidOf = (page: Page): string => /#\/tasks\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? "";

/** Submits a template from its console page and answers the new task's id once its page shows. */
async function runFromTemplatePage(
  page: Page,
  baseUrl: string,
  template: string,
  context: unknown,
  screenshot?: string,
): Promise<string> {
  await page.goto(`${baseUrl}/console/#/templates/${template}`);
  await page.waitForSelector('[data-testid=graph] g[data-node][data-state="not_created"]');
  if (screenshot) await page.screenshot({ path: join(images, screenshot), fullPage: true });
  await page.fill("[data-testid=run-context]", JSON.stringify(context));
  await page.click("[data-testid=run-submit]");
  await page.waitForURL(/#\/tasks\/[0-9a-f-]{36}$/);
  return taskUuidOf(page);
}

/** Waits until the task page's graph shows every node complete and the task itself complete. */
async function waitForCompleteGraph(page: Page, timeout = 90_000): Promise<void> {
  await page.waitForSelector('[data-testid=task-status] [data-state="complete"]', { timeout });
  await page.waitForFunction(
    () => {
      const nodes = [...document.querySelectorAll("[data-testid=graph] g[data-node]")];
      return nodes.length > 0 && nodes.every((node) => node.getAttribute("data-state") === "complete");
    },
    undefined,
    { timeout },
  );
}

async function seedOrder(page: Page, baseUrl: string): Promise<void> {
  const context = { order_id: `ORD-${crypto.randomUUID().slice(0, 8)}`, customer_email: "customer@example.com" };
  const uuid = await runFromTemplatePage(page, baseUrl, "ecommerce/order_fulfillment/1.0.0", context, "console-template.png");
  say(`seed order submitted from the console: ${uuid}`);
  await waitForCompleteGraph(page);
  const names = await page.$$eval("[data-testid=graph] g[data-node]", (nodes) =>
    nodes.map((node) => node.getAttribute("data-node")),
  );
  assert(names.length >= 3, `the seed order's graph draws its steps: ${names.join(", ")}`);
  const timeline = await page.textContent("[data-testid=timeline]");
  assert(timeline?.includes("complete"), "the task's timeline shows it completing");
  await page.screenshot({ path: join(images, "console-task.png"), fullPage: true });
  say(`seed order complete in the graph: ${names.join(", ")}`);
}

async function repairBlockedTask(page: Page, baseUrl: string): Promise<void> {
  const uuid = await runFromTemplatePage(page, baseUrl, "demo/permanent_failure/1.0.0", {});
  await page.waitForSelector('[data-testid=task-status] [data-state="blocked_by_failures"]', { timeout: 60_000 });
  await page.waitForSelector('g[data-node="validate_input"][data-state="error"]');
  say(`demo/permanent_failure is blocked: ${uuid}`);

  await page.goto(`${baseUrl}/console/#/tasks?status=blocked_by_failures`);
  await page.waitForSelector(`[data-testid=inbox] tr[data-task="${uuid}"]`);
  await page.waitForSelector('[data-testid=status-counts] [data-status="blocked_by_failures"]');
  await page.screenshot({ path: join(images, "console-tasks.png"), fullPage: true });

  await page.click(`[data-testid=inbox] tr[data-task="${uuid}"] a`);
  await page.waitForSelector('g[data-node="validate_input"]');
  await page.click('g[data-node="validate_input"]');
  await page.waitForSelector("[data-testid=last-error]");
  const error = await page.textContent("[data-testid=last-error]");
  assert(error?.includes("attempt 1"), `the step page shows the last error: ${error}`);

  // Without a reason the API refuses; the console shows the refusal as the API words it.
  await page.click('button[data-action="complete_manually"]');
  await page.waitForSelector("[data-testid=confirm-dialog]");
  const effect = await page.textContent("[data-testid=confirm-dialog]");
  assert(effect?.includes("Completes the step with the result you wrote"), `the confirmation says what it will do: ${effect}`);
  await page.click("[data-testid=confirm]");
  const refusal = await page.waitForSelector("[data-testid=refusal]");
  const refusalText = (await refusal.textContent()) ?? "";
  assert(refusalText.startsWith("400 "), `the API's refusal is shown with its status and code: ${refusalText}`);
  say(`refusal shown as worded: ${refusalText.slice(0, 160)}`);

  await page.fill("input[name=reason]", "input checked by hand: the order is valid");
  await page.fill("[data-testid=completion-result]", JSON.stringify({ valid: true, checked_by: "operator" }));
  await page.screenshot({ path: join(images, "console-step.png"), fullPage: true });
  await page.click('button[data-action="complete_manually"]');
  await page.click("[data-testid=confirm]");
  await page.waitForSelector("[data-testid=action-done]");
  await page.waitForSelector('[data-testid=step-state] [data-state="complete"]');
  const audit = await page.textContent("[data-testid=timeline]");
  assert(audit?.includes("input checked by hand"), "the step's audit shows who completed it and why");

  await page.click("[data-testid=back-to-task]");
  await waitForCompleteGraph(page, 60_000);
  say("the blocked task was repaired from the console and completed");
}

async function subWorkflow(page: Page, baseUrl: string): Promise<void> {
  const parent = await runFromTemplatePage(page, baseUrl, "fulfillment/ship_order/1.0.0", {
    order_id: `ORD-${crypto.randomUUID().slice(0, 8)}`,
    items: [{ sku: "A-1", quantity: 2 }],
  });
  await waitForCompleteGraph(page);
  await page.click('[data-testid=child-link][data-step="book_shipment"]');
  await page.waitForURL((url) => !url.hash.includes(parent));
  const child = taskUuidOf(page);
  await page.waitForSelector("[data-testid=parent-link]");
  await waitForCompleteGraph(page);
  await page.screenshot({ path: join(images, "console-child-task.png"), fullPage: true });
  await page.click("[data-testid=parent-link]");
  await page.waitForURL((url) => url.hash === `#/tasks/${parent}`);
  await page.waitForSelector('[data-testid=child-link][data-step="book_shipment"]');
  say(`sub-workflow: parent ${parent} → child ${child} → parent`);
}

async function largeBatch(page: Page, baseUrl: string): Promise<void> {
  const uuid = await submit(baseUrl, {
    namespace: "bench",
    name: "batch_fanout",
    context: { workers: BATCH_WORKERS },
    initiator: "console-test",
  });
  // Let the planner create the workers first, so the page's first read already holds all of them.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const task = (await (await fetch(`${baseUrl}/v1/tasks/${uuid}`)).json()) as { total_steps: number };
    if (task.total_steps >= BATCH_WORKERS + 2) break;
    assert(Date.now() < deadline, `the batch creates its workers (has ${task.total_steps})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const whileRunning = await openBatchPage(page, baseUrl, uuid);

  await page.click('g[data-kind="batch"]');
  await page.waitForSelector("[data-testid=batch-panel]");
  // The group's first page of workers is read from the server when it opens.
  await page.waitForFunction(() => document.querySelector("[data-testid=batch-page]")?.textContent?.startsWith("Page 1 of"));
  const rows = await page.$$eval("[data-testid=batch-panel] tbody tr", (trs) => trs.length);
  assert(rows === 50, `the expanded batch shows one page of 50 workers (showed ${rows})`);
  await page.click('[data-testid=batch-panel] .pager button:has-text("Next")');
  await page.waitForFunction(() => document.querySelector("[data-testid=batch-page]")?.textContent?.startsWith("Page 2 of"));
  // Responsiveness while the page polls the batch: how long the main thread takes to run a queued task.
  const frameDelays = await page.evaluate(async () => {
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const asked = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 0));
      delays.push(performance.now() - asked);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return delays;
  });
  const pollWhileRunning = await page.textContent("[data-testid=poll-status]");
  await page.waitForSelector('[data-testid=task-status] [data-state="complete"]', { timeout: 300_000 });
  await page.waitForFunction(() => document.querySelector('g[data-kind="batch"]')?.getAttribute("data-state") === "complete");
  await page.click('[data-testid=batch-panel] .pager button:has-text("Previous")');
  await page.waitForFunction(() => document.querySelector("[data-testid=batch-page]")?.textContent?.startsWith("Page 1 of"));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: join(images, "console-batch.png"),
    fullPage: true,
    clip: { x: 0, y: 0, width: 1360, height: 1100 },
  });
  const finished = await openBatchPage(page, baseUrl, uuid);
  const pollFinished = await page.textContent("[data-testid=poll-status]");
  say(
    `${BATCH_WORKERS}-worker batch, time to first render (navigation start to the graph first drawn): ` +
      `${whileRunning} ms while it runs (${pollWhileRunning}), ${finished} ms once finished (${pollFinished}); ` +
      `queued main-thread work waited ${Math.max(...frameDelays).toFixed(0)} ms at worst while polling`,
  );
}

/** Opens the batch task's page; answers how long after the navigation began the graph first showed the group node. */
async function openBatchPage(page: Page, baseUrl: string, uuid: string): Promise<number> {
  await page.goto("about:blank");
  await page.goto(`${baseUrl}/console/#/tasks/${uuid}`);
  await page.waitForSelector('g[data-kind="batch"]', { timeout: 120_000 });
  await page.waitForFunction(
    (count) => document.querySelector('g[data-kind="batch"] .sub')?.textContent?.startsWith(`${count} workers`),
    BATCH_WORKERS,
    { timeout: 120_000 },
  );
  const elapsed = await page.evaluate(() => Math.round(performance.getEntriesByName("tasker:first-graph")[0]?.startTime ?? -1));
  assert(elapsed >= 0, "the page marked its first graph");
  const drawnNodes = await page.$$eval("[data-testid=graph] g[data-node]", (nodes) => nodes.length);
  assert(drawnNodes === 3, `a ${BATCH_WORKERS}-worker batch is drawn as one group node (3 nodes in all, drew ${drawnNodes})`);
  return elapsed;
}

async function templateEditor(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/console/#/templates/new`);
  const source = `name: console_check_${Date.now()}\nnamespace_name: console\nversion: "1.0.0"\nsteps:\n  - name: greet\n    handler: { callable: EchoHandler }\n  - name: answer\n    handler: { callable: EchoHandler }\n    dependencies: [nowhere]\n`;
  await page.fill("[data-testid=template-source]", source);
  await page.click("[data-testid=template-validate]");
  await page.waitForSelector("[data-testid=template-problems] li code");
  const problem = (await page.textContent("[data-testid=template-problems]")) ?? "";
  assert(problem.includes("steps[1].dependencies[0]"), `a problem is shown at its key path: ${problem}`);
  await page.screenshot({ path: join(images, "console-template-editor.png"), fullPage: true });
  await page.fill("[data-testid=template-source]", source.replace("[nowhere]", "[greet]"));
  await page.click("[data-testid=template-validate]");
  await page.waitForSelector("[data-testid=template-register]:not([disabled])");
  await page.click("[data-testid=template-register]");
  await page.waitForURL(/#\/templates\/console\/console_check_/);
  await page.waitForSelector('[data-testid=graph] g[data-node="answer"]');
  say("template editor: a problem shown at its key path, then the fixed template registered and drawn");
}

/** Answers once every task has the status, read through the API. */
async function waitForStatus(baseUrl: string, uuids: string[], status: string, timeout = 90_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const states = await Promise.all(
      uuids.map(async (uuid) => ((await (await fetch(`${baseUrl}/v1/tasks/${uuid}`)).json()) as { status: string }).status),
    );
    if (states.every((state) => state === status)) return;
    assert(Date.now() < deadline, `every task reaches ${status} (they are ${states.join(", ")})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Clicks an action button, checks its confirmation says `expected`, and confirms. */
async function confirmed(page: Page, selector: string, expected: string): Promise<void> {
  await page.click(selector);
  await page.waitForSelector("[data-testid=confirm-dialog]");
  const text = (await page.textContent("[data-testid=confirm-dialog]")) ?? "";
  assert(text.includes(expected), `the confirmation says what it will do (${expected}): ${text}`);
  await page.click("[data-testid=confirm]");
}

async function pauseAndBulkCancel(page: Page, baseUrl: string): Promise<void> {
  const blocked = await Promise.all(
    [1, 2, 3].map(() =>
      submit(baseUrl, { namespace: "demo", name: "permanent_failure", context: {}, initiator: "console-bulk" }),
    ),
  );
  await waitForStatus(baseUrl, blocked, "blocked_by_failures");
  say(`three demo/permanent_failure tasks blocked: ${blocked.join(", ")}`);

  // Pause then resume one of them from its page, each behind a confirmation with a reason.
  const [first] = blocked;
  await page.goto(`${baseUrl}/console/#/tasks/${first}`);
  await page.waitForSelector('button[data-action="pause"]');
  await page.fill("[data-testid=pause-reason]", "holding it while the gateway is checked");
  await confirmed(page, 'button[data-action="pause"]', "nothing new is dispatched");
  const banner = (await (await page.waitForSelector("[data-testid=paused-banner]")).textContent()) ?? "";
  assert(banner.includes("holding it while the gateway is checked"), `the paused banner says why: ${banner}`);
  const paused = (await (await fetch(`${baseUrl}/v1/tasks/${first}`)).json()) as { paused: { reason: string } | null };
  assert(paused.paused?.reason === "holding it while the gateway is checked", "the API shows the task paused");
  await page.fill("[data-testid=pause-reason]", "gateway checked");
  await confirmed(page, 'button[data-action="resume"]', "Resumes the task");
  await page.waitForSelector("[data-testid=paused-banner]", { state: "detached" });
  const resumed = (await (await fetch(`${baseUrl}/v1/tasks/${first}`)).json()) as { paused: unknown; status: string };
  assert(resumed.paused === null && resumed.status === "blocked_by_failures", "the API shows the task resumed, still blocked");
  say("a task paused and resumed from its page");

  // The bulk panel acts on what the list's filter shows: these three blocked tasks.
  await page.goto(`${baseUrl}/console/#/tasks?namespace=demo&name=permanent_failure&status=blocked_by_failures`);
  await page.waitForFunction(
    (uuids) => uuids.every((uuid) => document.querySelector(`[data-testid=task-list] tr[data-task="${uuid}"]`)),
    blocked,
  );
  const listed = await page.$$eval("[data-testid=task-list] tbody tr", (rows) => rows.length);
  await page.click("[data-testid=bulk-open]");
  await page.selectOption("[data-testid=bulk-action]", "cancel");
  await page.fill("[data-testid=bulk-reason]", "the demo failures are not worth retrying");
  await page.click("[data-testid=bulk-dry-run]");
  const matched = Number(await (await page.waitForSelector("[data-testid=bulk-matched]")).getAttribute("data-matched"));
  assert(matched === listed && matched >= 3, `the dry run matches the ${listed} listed tasks (matched ${matched})`);
  await page.screenshot({ path: join(images, "console-bulk.png"), fullPage: true });
  await confirmed(page, "[data-testid=bulk-run]", `${matched} task(s)`);
  await page.waitForSelector('[data-testid=bulk-job][data-status="completed"]', { timeout: 90_000 });
  const succeeded = await page.textContent('[data-testid=bulk-job] [data-count="succeeded"] strong');
  assert(Number(succeeded) === matched, `the job cancelled every matched task (succeeded ${succeeded} of ${matched})`);
  await waitForStatus(baseUrl, blocked, "cancelled", 10_000);
  // The list reads again once the job ends: under the blocked filter it now shows none of them.
  await page.waitForFunction(
    (uuids) => uuids.every((uuid) => !document.querySelector(`[data-testid=task-list] tr[data-task="${uuid}"]`)),
    blocked,
    { timeout: 10_000 },
  );
  await page.screenshot({ path: join(images, "console-bulk-done.png"), fullPage: true });
  say(`bulk cancel from the task list: dry run ${matched}, job completed, the tasks are cancelled`);
}

async function schedules(page: Page, baseUrl: string): Promise<void> {
  const id = "analytics.nightly_sales_report.nightly";
  await page.goto(`${baseUrl}/console/#/schedules`);
  const row = `[data-testid=schedule-list] tr[data-schedule="${id}"]`;
  await page.waitForSelector(row, { timeout: 60_000 });
  // A template's schedule cannot be deleted: the API's 409 is shown as it is worded.
  await confirmed(page, `${row} button[data-action="delete"]`, "Only a schedule made through the API");
  const refusal = (await (await page.waitForSelector("[data-testid=refusal]")).textContent()) ?? "";
  assert(refusal.startsWith("409 "), `the delete's refusal is shown with its status and code: ${refusal}`);
  await confirmed(page, `${row} button[data-action="trigger"]`, "Fires the schedule at once");
  const outcome = await page.waitForSelector('[data-testid=trigger-outcome][data-outcome="started"]');
  await page.waitForSelector(`${row} [data-testid=last-task]`);
  await page.screenshot({ path: join(images, "console-schedules.png"), fullPage: true });
  assert((await outcome.textContent())?.includes("started"), "the trigger's outcome is shown");
  await page.click("[data-testid=triggered-task]");
  await page.waitForURL(/#\/tasks\/[0-9a-f-]{36}$/);
  await waitForCompleteGraph(page);
  const initiator = await page.textContent(".summary");
  assert(initiator?.includes(`schedule:${id}`), `the started task records its schedule: ${initiator}`);
  say(`schedule ${id} triggered from the console; its task ${taskUuidOf(page)} completed`);
}

async function main(): Promise<void> {
  const worker = await startWranglerDev({ cwd: repo, persistTo: state });
  say(`wrangler dev on ${worker.baseUrl}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  try {
    await seedOrder(page, worker.baseUrl);
    await repairBlockedTask(page, worker.baseUrl);
    await subWorkflow(page, worker.baseUrl);
    await templateEditor(page, worker.baseUrl);
    await pauseAndBulkCancel(page, worker.baseUrl);
    await schedules(page, worker.baseUrl);
    await largeBatch(page, worker.baseUrl);
    // The refusals the repair and schedule cases provoked are logged by the browser as failed requests; nothing else may be.
    const unexpected = pageErrors.filter((text) => !text.includes("status of 400") && !text.includes("status of 409"));
    assert(unexpected.length === 0, `no script error or CSP violation in the page: ${unexpected.join("\n")}`);
  } catch (error) {
    console.error(`wrangler dev output:\n${worker.output().slice(-6000)}`);
    throw error;
  } finally {
    await browser.close();
  }
  say(
    "the console works in Chromium: seed order, repair, sub-workflow, template editor, pause, bulk cancel, schedules, large batch",
  );
}

await main();
// wrangler dev's output pipes keep the event loop alive: end here, which kills its process group (killGroupsOnExit).
process.exit(0);
