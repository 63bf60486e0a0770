import { describe, expect, it } from "vitest";
import { getSteps, hasStatus, submit, taskTransitions, waitForTask } from "./helpers";

const base = { initiator: "test", source_system: "vitest", reason: "test", version: "1.0.0" };

describe("DAG shapes", () => {
  it("runs a diamond: both middle steps in parallel, the join after both", async () => {
    const orders = [
      { customer: "ada", amount: 120 },
      { customer: "grace", amount: 80 },
      { customer: "ada", amount: 40 },
    ];
    const { task_uuid } = await submit({ ...base, name: "sales_report", namespace: "analytics", context: { orders } });
    await waitForTask(task_uuid, hasStatus("complete"));
    const steps = await getSteps(task_uuid);
    const byName = Object.fromEntries(steps.map((s) => [s.name, s]));
    expect(byName.build_report?.dependencies.sort()).toEqual(["compute_customer_stats", "compute_revenue"]);
    for (const middle of ["compute_revenue", "compute_customer_stats"]) {
      expect((byName.build_report?.last_attempted_at ?? "") >= (byName[middle]?.completed_at ?? "")).toBe(true);
    }
    expect(JSON.stringify(byName.build_report?.results)).toContain("240");
    const rounds = (await taskTransitions(task_uuid)).filter((t) => t.event === "ready_steps_found");
    expect(rounds.map((t) => t.metadata.ready_steps)).toEqual([1, 2, 1]);
  });

  it("runs a linear chain one step after another", async () => {
    const context = { title: "Hello, edge", body: "First paragraph.\n\nSecond paragraph." };
    const { task_uuid } = await submit({ ...base, name: "article_publishing", namespace: "content", context });
    await waitForTask(task_uuid, hasStatus("complete"));
    const steps = await getSteps(task_uuid);
    expect(steps.map((s) => s.name)).toEqual(["lint_draft", "render_html", "publish_article"]);
    for (let i = 1; i < steps.length; i++) {
      expect((steps[i]?.last_attempted_at ?? "") >= (steps[i - 1]?.completed_at ?? "")).toBe(true);
    }
    expect(steps[2]?.results).toMatchObject({ published: true });
  });
});
