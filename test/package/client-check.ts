// A plain Node 22 consumer of the packed tasker-edge/client (no Cloudflare types): prints what it saw as one JSON line.
import { createClient, TaskerApiError } from "tasker-edge/client";

const [mode, baseUrl] = process.argv.slice(2);
if (baseUrl === undefined) throw new Error("usage: client-check.ts <refused|run> <base url>");
const client = createClient({ baseUrl });

/** The client's answer to a server that is not there: the fetch failure it passes on, with its cause's code. */
async function refused(): Promise<unknown> {
  try {
    await client.health();
    return { refused: false };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const code = cause !== undefined && "code" in cause ? cause.code : undefined;
    return { refused: true, error: error instanceof Error ? error.name : typeof error, code };
  }
}

/** Submits one order_fulfillment, waits for it, and reads its steps and an unknown task's typed error. */
async function run(): Promise<unknown> {
  const created = await client.createTask({
    name: "order_fulfillment",
    namespace: "ecommerce",
    context: { order_id: "ORD-1001", customer_email: "buyer@example.com" },
    initiator: "package-test",
  });
  const task = await client.waitForTask(created.task_uuid, { timeoutMs: 120_000, intervalMs: 500 });
  const steps = await client.listSteps(created.task_uuid);
  let unknownTask: unknown;
  try {
    await client.getTask("00000000-0000-4000-8000-000000000000");
  } catch (error) {
    unknownTask = error instanceof TaskerApiError ? { status: error.status, code: error.code } : String(error);
  }
  return {
    status: task.status,
    steps: steps.map((step) => ({ name: step.name, state: step.current_state, results: step.results })),
    unknownTask,
  };
}

console.log(JSON.stringify(mode === "run" ? await run() : await refused()));
