import { describe, expect, it } from "vitest";
import { groupState, workerPagePath, workerTemplateOf } from "../../console/model/batch-group";
import { batchNodeId, buildGraph, shapeKey, stepNodeId } from "../../console/model/graph-model";
import { EMPTY_FILTER, filterFromQuery, filterQuery } from "../../console/model/task-filter";
import type { StepView } from "../../src/client/types";

type StepState = StepView["current_state"];

function step(name: string, type: StepView["type"], dependencies: string[], state: StepState = "pending"): StepView {
  return {
    step_uuid: `uuid-${name}`,
    task_uuid: "task",
    name,
    type,
    callable: "Handler",
    current_state: state,
    dependencies,
    dependencies_satisfied: false,
    total_parents: dependencies.length,
    completed_parents: 0,
    attempts: 0,
    max_attempts: 3,
    retryable: true,
    timeout_seconds: 30,
    results: null,
    last_error: null,
    next_retry_at: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    last_attempted_at: null,
    completed_at: null,
    inputs: null,
    child_task_uuid: null,
    waiting: null,
  };
}

const batchTemplate = [
  { name: "plan", type: "batchable" as const, dependencies: [] },
  { name: "work", type: "batch_worker" as const, dependencies: ["plan"] },
  { name: "join", type: "deferred_convergence" as const, dependencies: ["work"] },
];

describe("workerTemplateOf", () => {
  it("names the worker template a batch worker was made from, preferring the longest prefix", () => {
    expect(workerTemplateOf({ name: "work_7", type: "batch_worker" }, ["work"])).toBe("work");
    expect(workerTemplateOf({ name: "work_extra_7", type: "batch_worker" }, ["work", "work_extra"])).toBe("work_extra");
    expect(workerTemplateOf({ name: "work_no_op", type: "batch_worker" }, ["work"])).toBe("work");
  });

  it("is null for a step that is not a batch worker or matches no worker template", () => {
    expect(workerTemplateOf({ name: "work_7", type: "standard" }, ["work"])).toBeNull();
    expect(workerTemplateOf({ name: "other_7", type: "batch_worker" }, ["work"])).toBeNull();
  });
});

describe("groupState", () => {
  it("shows a failure first, then work under way, then waiting, and complete only when every worker is", () => {
    expect(groupState({})).toBe("not_created");
    expect(groupState({ complete: 9, error: 1, in_progress: 3 })).toBe("error");
    expect(groupState({ complete: 9, enqueued: 1, pending: 3 })).toBe("in_progress");
    expect(groupState({ complete: 9, waiting_for_retry: 1, pending: 3 })).toBe("waiting_for_retry");
    expect(groupState({ complete: 9, pending: 3 })).toBe("pending");
    expect(groupState({ complete: 9, resolved_manually: 1 })).toBe("resolved_manually");
    expect(groupState({ complete: 10 })).toBe("complete");
  });
});

describe("workerPagePath", () => {
  it("asks the server for one page of one batch's workers, one state's when filtered", () => {
    expect(workerPagePath("t-1", "plan", { state: null, page: 2 })).toBe(
      "/v1/tasks/t-1/workflow_steps?batch=plan&page=2&per_page=50",
    );
    expect(workerPagePath("t-1", "plan", { state: "error", page: 0.5 }, 10)).toBe(
      "/v1/tasks/t-1/workflow_steps?batch=plan&state=error&page=1&per_page=10",
    );
  });
});

describe("buildGraph", () => {
  it("draws a template before anything runs: every step not created, edges from the template", () => {
    const model = buildGraph(batchTemplate, []);
    expect(model.nodes.map((node) => [node.id, node.state])).toEqual([
      [stepNodeId("plan"), "not_created"],
      [batchNodeId("work"), "not_created"],
      [stepNodeId("join"), "not_created"],
    ]);
    expect(model.edges).toEqual([
      { from: stepNodeId("plan"), to: batchNodeId("work") },
      { from: batchNodeId("work"), to: stepNodeId("join") },
    ]);
  });

  it("folds 10,000 workers into one node with counts per state, and the convergence step's 10,000 dependencies into one edge", () => {
    const workers = Array.from({ length: 10_000 }, (_, index) =>
      step(`work_${index}`, "batch_worker", ["plan"], index < 9_990 ? "complete" : index < 9_995 ? "in_progress" : "error"),
    );
    const steps = [
      step("plan", "batchable", [], "complete"),
      ...workers,
      step(
        "join",
        "deferred_convergence",
        workers.map((worker) => worker.name),
      ),
    ];
    const model = buildGraph(batchTemplate, steps);
    expect(model.nodes).toHaveLength(3);
    const batch = model.nodes[1];
    expect(batch?.kind).toBe("batch");
    if (batch?.kind !== "batch") return;
    expect(batch.total).toBe(10_000);
    expect(batch.batchableStep).toBe("plan");
    expect(batch.counts).toEqual({ complete: 9_990, in_progress: 5, error: 5 });
    expect(batch.state).toBe("error");
    expect(model.edges).toEqual([
      { from: stepNodeId("plan"), to: batchNodeId("work") },
      { from: batchNodeId("work"), to: stepNodeId("join") },
    ]);
  });

  it("takes the server's counts for a batch whose workers it was not given, and maps the convergence step's worker names to the group", () => {
    const steps = [
      step("plan", "batchable", [], "complete"),
      step(
        "join",
        "deferred_convergence",
        Array.from({ length: 10_000 }, (_, index) => `work_${index}`),
      ),
    ];
    const model = buildGraph(batchTemplate, steps, [
      { batchable_step: "plan", worker_template: "work", total: 10_000, counts: { complete: 9_000, error: 1, pending: 999 } },
    ]);
    const batch = model.nodes[1];
    expect(batch).toMatchObject({ kind: "batch", total: 10_000, batchableStep: "plan", state: "error" });
    expect(model.edges).toEqual([
      { from: stepNodeId("plan"), to: batchNodeId("work") },
      { from: batchNodeId("work"), to: stepNodeId("join") },
    ]);
  });

  it("places a decision's created branch where the task wired it, and leaves the branch not chosen as not created", () => {
    const template = [
      { name: "decide", type: "decision" as const, dependencies: [] },
      { name: "small", type: "standard" as const, dependencies: ["decide"] },
      { name: "large", type: "standard" as const, dependencies: ["decide"] },
      { name: "finish", type: "deferred_convergence" as const, dependencies: ["small", "large"] },
    ];
    const steps = [
      step("decide", "decision", [], "complete"),
      step("large", "standard", ["decide"], "in_progress"),
      step("finish", "deferred_convergence", ["large"]),
    ];
    const model = buildGraph(template, steps);
    expect(Object.fromEntries(model.nodes.map((node) => [node.name, node.state]))).toEqual({
      decide: "complete",
      small: "not_created",
      large: "in_progress",
      finish: "pending",
    });
    // finish takes its run-time dependencies: only the branch that exists.
    expect(model.edges).toContainEqual({ from: stepNodeId("large"), to: stepNodeId("finish") });
    expect(model.edges).not.toContainEqual({ from: stepNodeId("small"), to: stepNodeId("finish") });
    expect(model.edges).toContainEqual({ from: stepNodeId("decide"), to: stepNodeId("small") });
  });

  it("draws a task's steps from the task alone when the template is unknown", () => {
    const model = buildGraph([], [step("a", "standard", [], "complete"), step("b", "standard", ["a"])]);
    expect(model.nodes.map((node) => node.name)).toEqual(["a", "b"]);
    expect(model.edges).toEqual([{ from: stepNodeId("a"), to: stepNodeId("b") }]);
  });

  it("keeps its shape key while only states change, and changes it when a step appears", () => {
    const before = buildGraph(batchTemplate, [step("plan", "batchable", [], "in_progress")]);
    const recoloured = buildGraph(batchTemplate, [step("plan", "batchable", [], "complete")]);
    const withWorkers = buildGraph(batchTemplate, [
      step("plan", "batchable", [], "complete"),
      step("work_1", "batch_worker", ["plan"]),
    ]);
    expect(shapeKey(recoloured)).toBe(shapeKey(before));
    expect(withWorkers.nodes.flatMap((node) => (node.kind === "batch" ? [node.counts] : []))).toEqual([{ pending: 1 }]);
    expect(shapeKey(withWorkers)).toBe(shapeKey(before));
  });
});

describe("the task filter", () => {
  it("sends only the fields set, and reads back what it wrote", () => {
    const filter = {
      ...EMPTY_FILTER,
      namespace: "demo",
      status: "blocked_by_failures" as const,
      created_after: "2026-01-01T00:00:00Z",
    };
    const query = filterQuery(filter, { page: 2, perPage: 25 });
    expect(query.toString()).toBe(
      "namespace=demo&status=blocked_by_failures&created_after=2026-01-01T00%3A00%3A00Z&page=2&per_page=25",
    );
    expect(filterFromQuery(query)).toEqual(filter);
  });

  it("ignores a status the API does not have and parameters it does not know", () => {
    expect(filterFromQuery(new URLSearchParams("status=exploded&colour=red&name=x"))).toEqual({ ...EMPTY_FILTER, name: "x" });
  });
});
