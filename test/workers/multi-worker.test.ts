// A handler bundle in a Worker of its own: billing steps leave through STEPS_BILLING and run in examples/billing-handlers.
import { describe, expect, it } from "vitest";
import { getSteps, hasStatus, submit, taskStub, timerCount, waitForTask } from "./helpers";

/** An invoice run; invoice_run's strict identity makes each account and period one task. */
function invoiceRun(accountId: string, period = "2026-10") {
  return {
    name: "invoice_run",
    namespace: "billing",
    version: "1.0.0",
    context: {
      account_id: accountId,
      period,
      usage: [
        { sku: "api_calls", quantity: 250_000 },
        { sku: "storage_gb", quantity: 64 },
        { sku: "seats", quantity: 8 },
      ],
    },
    initiator: "billing:scheduler",
    source_system: "vitest",
    reason: "monthly invoice run",
  };
}

async function queueBindingOf(taskUuid: string): Promise<string | undefined> {
  return (await taskStub(taskUuid).inspect()).task?.queue_binding;
}

describe("a handler bundle deployed as its own Worker", () => {
  it("receives the billing namespace's steps on tasker-steps-billing, through the STEPS_BILLING producer", async () => {
    const { task_uuid } = await submit(invoiceRun("ACME-001", "2026-09"));
    expect(await queueBindingOf(task_uuid)).toBe("STEPS_BILLING");
    await waitForTask(task_uuid, hasStatus("complete"));
  });

  it("runs every step in the bundle, which claims and reports through its script_name binding to the task objects", async () => {
    const { task_uuid } = await submit(invoiceRun("ACME-001"));
    const task = await waitForTask(task_uuid, hasStatus("complete", "blocked_by_failures", "error"));
    expect(task).toMatchObject({ status: "complete", total_steps: 4, completed_steps: 4 });

    const steps = await getSteps(task_uuid);
    // Only the bundle registers these handlers (the orchestrator's own consumer would fail them with
    // handler_not_found), and only it stamps handled_by.
    expect(steps.map((s) => [s.name, s.current_state, s.attempts, (s.results as { handled_by?: string }).handled_by])).toEqual([
      ["load_account", "complete", 1, "billing-bundle"],
      ["rate_usage", "complete", 1, "billing-bundle"],
      ["compute_invoice", "complete", 1, "billing-bundle"],
      ["render_invoice", "complete", 1, "billing-bundle"],
    ]);
    // Growth plan: 99.00 fee + 150 blocks of API calls at 0.02 + 14 GB at 0.20 + 3 seats at 7.00 = 125.80;
    // 50.00 credit off before 20% tax on 75.80 = 15.16; total 90.96.
    expect(steps[2]?.results).toMatchObject({
      invoice: {
        invoice_number: "INV-202610-ACME-001",
        subtotal_cents: 12_580,
        credit_applied_cents: 5_000,
        tax_cents: 1_516,
        total_cents: 9_096,
        currency: "EUR",
      },
    });
    expect(steps[3]?.results).toMatchObject({
      invoice_number: "INV-202610-ACME-001",
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      document: expect.stringContaining("Total due"),
    });
    expect(await timerCount(task_uuid)).toBe(0);
  });

  it("carries a permanent failure raised in the bundle back to the task object, which blocks the task", async () => {
    const { task_uuid } = await submit(invoiceRun("INITECH-007"));
    const task = await waitForTask(task_uuid, hasStatus("complete", "blocked_by_failures", "error"));
    expect(task.status).toBe("blocked_by_failures");

    const [load, ...rest] = await getSteps(task_uuid);
    expect(load).toMatchObject({
      current_state: "error",
      attempts: 1,
      last_error: { error_code: "account_suspended", message: "account INITECH-007 is suspended" },
    });
    expect(rest.map((s) => s.current_state)).toEqual(["pending", "pending", "pending"]);
    expect(await timerCount(task_uuid)).toBe(0);
  });
});
