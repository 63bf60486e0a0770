import { describe, expect, it } from "vitest";
import {
  initialStepNames,
  MAX_BATCH_WORKERS,
  MAX_STEPS_PER_DECISION,
  type Plan,
  planBatch,
  planDecision,
} from "../../../src/engine/dynamic-steps";
import type { TaskTemplate } from "../../../src/templates/types";
import { BatchOutcome, DecisionOutcome } from "../../../src/worker/outcomes";
import { loadTemplate, step } from "./dynamic-helpers";

/** validate → route (decision) → branches, a nested decision, a regular join and a deferred convergence. */
const expense = loadTemplate([
  step("validate"),
  step("route", { type: "decision", dependencies: ["validate"] }),
  step("auto", { dependencies: ["route"] }),
  step("manager", { dependencies: ["route"] }),
  step("finance", { dependencies: ["route"] }),
  step("notify_finance", { dependencies: ["finance"] }),
  step("audit", { dependencies: ["manager", "finance"] }),
  step("nested", { type: "decision", dependencies: ["route"] }),
  step("nested_a", { dependencies: ["nested"] }),
  step("finalize", { type: "deferred_convergence", dependencies: ["auto", "manager", "finance"] }),
  step("archive", { dependencies: ["finalize"] }),
]);

/** prepare → plan (batchable) → work_* → merge (convergence) → publish; plan also has a regular child. */
function batchTemplate(config: Record<string, unknown> = {}): TaskTemplate {
  return loadTemplate([
    step("prepare"),
    step("plan", { type: "batchable", dependencies: ["prepare"], batch_config: { worker_template: "work", ...config } }),
    step("work", { type: "batch_worker", dependencies: ["plan"] }),
    step("plan_report", { dependencies: ["plan"] }),
    step("merge", { type: "deferred_convergence", dependencies: ["work"] }),
    step("publish", { dependencies: ["merge"] }),
  ]);
}

const batch = batchTemplate({ batch_size: 250, parallelism: 4, cursor_field: "row", failure_strategy: "isolate" });

/** Each planned step as `name ← parents`, in plan order. */
function wiring(plan: Plan): string[] {
  if (!plan.ok) throw new Error(`expected a plan: ${plan.message}`);
  return plan.steps.map((s) => `${s.name} ← ${s.parents.join(", ")}`);
}

function messageOf(plan: Plan): string {
  if (plan.ok) throw new Error(`expected a refusal, got ${JSON.stringify(plan.steps.map((s) => s.name))}`);
  return plan.message;
}

const started = new Set(["validate", "route"]);
const batchExisting = new Set(["prepare", "plan", "plan_report"]);

describe("initialStepNames", () => {
  it("leaves out a decision's descendants, however deep, and keeps the decision and what precedes it", () => {
    expect([...initialStepNames(expense)]).toEqual(["validate", "route"]);
  });

  it("leaves out batch workers, the convergence step and what lies below it, but keeps the batchable step's regular children", () => {
    expect([...initialStepNames(batch)]).toEqual(["prepare", "plan", "plan_report"]);
  });

  it("keeps every step of a template without decisions or batches", () => {
    const plain = loadTemplate([step("a"), step("b", { dependencies: ["a"] }), step("c", { dependencies: ["a", "b"] })]);
    expect([...initialStepNames(plain)]).toEqual(["a", "b", "c"]);
  });
});

describe("planDecision", () => {
  it("creates one branch, the convergence step it reaches and the step below the convergence", () => {
    const plan = planDecision(expense, "route", DecisionOutcome.createSteps(["auto"]), started);
    expect(wiring(plan)).toEqual(["auto ← route", "finalize ← auto", "archive ← finalize"]);
    expect(plan.ok && plan.steps.map((s) => [s.definition.name, s.definition.type, s.inputs])).toEqual([
      ["auto", "standard", null],
      ["finalize", "deferred_convergence", null],
      ["archive", "standard", null],
    ]);
  });

  it("creates two branches and wires the deferred convergence only to the branches that exist", () => {
    const plan = planDecision(expense, "route", DecisionOutcome.createSteps(["manager", "finance"]), started);
    expect(wiring(plan)).toEqual([
      "manager ← route",
      "finance ← route",
      "notify_finance ← finance",
      "audit ← manager, finance",
      "finalize ← manager, finance",
      "archive ← finalize",
    ]);
  });

  it("wires a regular join whose other parent will never exist to the decision instead", () => {
    const plan = planDecision(expense, "route", DecisionOutcome.createSteps(["manager"]), started);
    expect(wiring(plan)).toEqual(["manager ← route", "audit ← manager, route", "finalize ← manager", "archive ← finalize"]);
  });

  it("wires a named step deeper than a direct child to the decision when its own parent will not exist", () => {
    const plan = planDecision(expense, "route", DecisionOutcome.createSteps(["notify_finance"]), started);
    expect(wiring(plan)).toEqual(["notify_finance ← route"]);
  });

  it("creates a nested decision without expanding it; its own outcome creates its branch later", () => {
    const outer = planDecision(expense, "route", DecisionOutcome.createSteps(["nested"]), started);
    expect(wiring(outer)).toEqual(["nested ← route"]);
    const inner = planDecision(expense, "nested", DecisionOutcome.createSteps(["nested_a"]), new Set([...started, "nested"]));
    expect(wiring(inner)).toEqual(["nested_a ← nested"]);
  });

  it("creates nothing for no_branches", () => {
    expect(planDecision(expense, "route", DecisionOutcome.noBranches({ reason: "none" }), started)).toEqual({
      ok: true,
      steps: [],
    });
  });

  it("skips names that already exist and wires new steps to the existing ones", () => {
    const existing = new Set([...started, "auto"]);
    const plan = planDecision(expense, "route", DecisionOutcome.createSteps(["auto", "manager"]), existing);
    expect(wiring(plan)).toEqual(["manager ← route", "audit ← manager, route", "finalize ← auto, manager", "archive ← finalize"]);
    expect(planDecision(expense, "route", DecisionOutcome.createSteps(["auto"]), existing)).toEqual({ ok: true, steps: [] });
  });

  it("creates a name listed twice once", () => {
    expect(wiring(planDecision(expense, "route", DecisionOutcome.createSteps(["auto", "auto"]), started))).toEqual([
      "auto ← route",
      "finalize ← auto",
      "archive ← finalize",
    ]);
  });

  describe("refuses an outcome it cannot act on", () => {
    const shape = 'a decision step must return {decision_point_outcome: {type: "create_steps" | "no_branches"}}';
    const names = "decision_point_outcome.step_names must be a non-empty list of step names";

    it.each([
      ["no result", null, shape],
      ["a result without the outcome", { approved: true }, shape],
      ["an outcome that is a list", { decision_point_outcome: [] }, shape],
      [
        "an unknown type",
        { decision_point_outcome: { type: "create", step_names: ["auto"] } },
        'decision_point_outcome.type must be "create_steps" or "no_branches", not "create"',
      ],
      [
        "a missing type",
        { decision_point_outcome: { step_names: ["auto"] } },
        'decision_point_outcome.type must be "create_steps" or "no_branches", not undefined',
      ],
      ["no step names", { decision_point_outcome: { type: "create_steps" } }, names],
      ["an empty list of names", DecisionOutcome.createSteps([]), names],
      ["a name that is not a string", { decision_point_outcome: { type: "create_steps", step_names: ["auto", 7] } }, names],
      ["names that are not a list", { decision_point_outcome: { type: "create_steps", step_names: "auto" } }, names],
    ])("%s", (_, result, message) => {
      expect(messageOf(planDecision(expense, "route", result, started))).toBe(message);
    });

    it(`more than ${MAX_STEPS_PER_DECISION} names`, () => {
      const tooMany = Array.from({ length: MAX_STEPS_PER_DECISION + 1 }, () => "auto");
      expect(messageOf(planDecision(expense, "route", DecisionOutcome.createSteps(tooMany), started))).toBe(
        "a decision may create at most 100 steps, not 101",
      );
      const atLimit = Array.from({ length: MAX_STEPS_PER_DECISION }, () => "auto");
      expect(planDecision(expense, "route", DecisionOutcome.createSteps(atLimit), started).ok).toBe(true);
    });

    it("names that are not descendants of the decision, listing the valid names in template order", () => {
      expect(
        messageOf(planDecision(expense, "route", DecisionOutcome.createSteps(["validate", "auto", "wire_money"]), started)),
      ).toBe(
        'not steps this decision can create: "validate", "wire_money" ' +
          "(valid: auto, manager, finance, notify_finance, audit, nested, nested_a, finalize, archive)",
      );
    });

    it("a batch worker's name, which only its batchable step creates", () => {
      const decideBatch = loadTemplate([
        step("start"),
        step("choose", { type: "decision", dependencies: ["start"] }),
        step("plan", { type: "batchable", dependencies: ["choose"], batch_config: { worker_template: "work" } }),
        step("work", { type: "batch_worker", dependencies: ["plan"] }),
        step("merge", { type: "deferred_convergence", dependencies: ["work"] }),
      ]);
      expect(
        messageOf(planDecision(decideBatch, "choose", DecisionOutcome.createSteps(["work"]), new Set(["start", "choose"]))),
      ).toBe('not steps this decision can create: "work" (valid: plan, merge)');
    });
  });
});

describe("planBatch", () => {
  const metadata = { batchable_step: "plan", cursor_field: "row", failure_strategy: "isolate", parallelism: 4 };

  it("creates one worker per cursor with its cursor as input, then the convergence step and the step below it", () => {
    const plan = planBatch(
      batch,
      "plan",
      BatchOutcome.createBatches([
        { batch_id: "001", start_cursor: 0, end_cursor: 10, batch_size: 10 },
        { batch_id: "002", start_cursor: "k", end_cursor: "z" },
      ]),
      batchExisting,
    );
    expect(wiring(plan)).toEqual(["work_001 ← plan", "work_002 ← plan", "merge ← work_001, work_002", "publish ← merge"]);
    if (!plan.ok) return;
    expect(plan.steps.map((s) => s.inputs)).toEqual([
      {
        cursor: { batch_id: "001", start_cursor: 0, end_cursor: 10, batch_size: 10 },
        batch_metadata: metadata,
        is_no_op: false,
      },
      // Without its own batch_size a cursor takes the batch_config's.
      {
        cursor: { batch_id: "002", start_cursor: "k", end_cursor: "z", batch_size: 250 },
        batch_metadata: metadata,
        is_no_op: false,
      },
      null,
      null,
    ]);
    // Workers are copies of the worker template, named by the plan.
    expect(plan.steps.map((s) => s.definition.name)).toEqual(["work", "work", "merge", "publish"]);
  });

  it("takes batch_config's defaults when the template gives none", () => {
    const plan = planBatch(
      batchTemplate(),
      "plan",
      BatchOutcome.createBatches([{ batch_id: "a", start_cursor: 1, end_cursor: 2 }]),
      batchExisting,
    );
    expect(plan.ok && plan.steps[0]?.inputs).toEqual({
      cursor: { batch_id: "a", start_cursor: 1, end_cursor: 2, batch_size: 1000 },
      batch_metadata: { batchable_step: "plan", cursor_field: "id", failure_strategy: "continue_on_failure", parallelism: 10 },
      is_no_op: false,
    });
  });

  it("accepts whole-number batch ids and fills absent cursors with null", () => {
    const plan = planBatch(
      batch,
      "plan",
      { batch_processing_outcome: { type: "create_batches", cursor_configs: [{ batch_id: 7 }] } },
      batchExisting,
    );
    expect(plan.ok && plan.steps[0]).toMatchObject({
      name: "work_7",
      inputs: { cursor: { batch_id: "7", start_cursor: null, end_cursor: null, batch_size: 250 } },
    });
  });

  it("creates the worker template's named worker for a matching worker_template_name", () => {
    const plan = planBatch(
      batch,
      "plan",
      { batch_processing_outcome: { type: "create_batches", worker_template_name: "work", cursor_configs: [{ batch_id: "x" }] } },
      batchExisting,
    );
    expect(wiring(plan)).toEqual(["work_x ← plan", "merge ← work_x", "publish ← merge"]);
  });

  it("creates one no-op placeholder for no_batches so the convergence step still runs", () => {
    const plan = planBatch(batch, "plan", BatchOutcome.noBatches(), batchExisting);
    expect(wiring(plan)).toEqual(["work_no_op ← plan", "merge ← work_no_op", "publish ← merge"]);
    expect(plan.ok && plan.steps[0]?.inputs).toEqual({ cursor: null, batch_metadata: metadata, is_no_op: true });
  });

  it("wires a regular step below the workers to every worker", () => {
    const below = loadTemplate([
      step("plan", { type: "batchable", batch_config: { worker_template: "work" } }),
      step("work", { type: "batch_worker", dependencies: ["plan"] }),
      step("tally", { dependencies: ["work"] }),
    ]);
    const cursors = BatchOutcome.rangeCursors(3, 1);
    expect(wiring(planBatch(below, "plan", BatchOutcome.createBatches(cursors), new Set(["plan"])))).toEqual([
      "work_001 ← plan",
      "work_002 ← plan",
      "work_003 ← plan",
      "tally ← work_001, work_002, work_003",
    ]);
  });

  it("skips workers that already exist", () => {
    const plan = planBatch(
      batch,
      "plan",
      BatchOutcome.createBatches([
        { batch_id: "1", start_cursor: 0, end_cursor: 1 },
        { batch_id: "2", start_cursor: 1, end_cursor: 2 },
      ]),
      new Set([...batchExisting, "work_1"]),
    );
    expect(plan.ok && plan.steps.map((s) => s.name)).toEqual(["work_2", "merge", "publish"]);
  });

  describe("refuses an outcome it cannot act on", () => {
    const shape = 'a batchable step must return {batch_processing_outcome: {type: "create_batches" | "no_batches"}}';
    const empty = "batch_processing_outcome.cursor_configs must be a non-empty list (return no_batches for none)";
    const badId = (i: number) => `cursor_configs[${i}].batch_id must be 1–64 letters, digits, "_" or "-"`;
    const create = (cursor_configs: unknown) => ({ batch_processing_outcome: { type: "create_batches", cursor_configs } });

    it.each([
      ["no result", undefined, shape],
      ["a result without the outcome", { total: 3 }, shape],
      [
        "an unknown type",
        { batch_processing_outcome: { type: "batches" } },
        'batch_processing_outcome.type must be "create_batches" or "no_batches", not "batches"',
      ],
      ["no cursors", { batch_processing_outcome: { type: "create_batches" } }, empty],
      ["an empty cursor list", BatchOutcome.createBatches([]), empty],
      ["cursors that are not a list", create({ batch_id: "1" }), empty],
      ["a cursor without a batch id", create([{ batch_id: "1" }, { start_cursor: 0 }]), badId(1)],
      ["a cursor that is not a map", create(["1"]), badId(0)],
      ["an empty batch id", create([{ batch_id: "" }]), badId(0)],
      ["a batch id with a space", create([{ batch_id: "a b" }]), badId(0)],
      ["a batch id with a dot", create([{ batch_id: "a.b" }]), badId(0)],
      ["a fractional batch id", create([{ batch_id: 1.5 }]), badId(0)],
      ["a batch id of 65 characters", create([{ batch_id: "x".repeat(65) }]), badId(0)],
      [
        "a batch id used twice",
        create([{ batch_id: "a" }, { batch_id: "b" }, { batch_id: "a" }]),
        'cursor_configs[2].batch_id "a" is used twice',
      ],
      [
        "a number and a string naming the same batch",
        create([{ batch_id: 1 }, { batch_id: "1" }]),
        'cursor_configs[1].batch_id "1" is used twice',
      ],
      [
        "another worker template",
        {
          batch_processing_outcome: {
            type: "create_batches",
            worker_template_name: "other",
            cursor_configs: [{ batch_id: "1" }],
          },
        },
        'worker_template_name "other" is not this step\'s worker template "work"',
      ],
    ])("%s", (_, result, message) => {
      expect(messageOf(planBatch(batch, "plan", result, batchExisting))).toBe(message);
    });

    it("a batch id of 64 characters is still accepted", () => {
      expect(planBatch(batch, "plan", create([{ batch_id: "x".repeat(64) }]), batchExisting).ok).toBe(true);
    });

    it(`more than ${MAX_BATCH_WORKERS} cursors`, () => {
      const cursors = BatchOutcome.rangeCursors(MAX_BATCH_WORKERS + 1, 1);
      expect(messageOf(planBatch(batch, "plan", BatchOutcome.createBatches(cursors), batchExisting))).toBe(
        "a batch may create at most 10000 workers, not 10001",
      );
      const atLimit = planBatch(batch, "plan", BatchOutcome.createBatches(cursors.slice(1)), batchExisting);
      expect(atLimit.ok && atLimit.steps.length).toBe(MAX_BATCH_WORKERS + 2);
    });

    it("a step that has no batch_config", () => {
      expect(messageOf(planBatch(batch, "prepare", BatchOutcome.noBatches(), batchExisting))).toBe(
        'step "prepare" has no batch_config with a worker template',
      );
    });
  });
});

describe("a batchable step created by a decision", () => {
  const nestedBatch = loadTemplate([
    step("start"),
    step("choose", { type: "decision", dependencies: ["start"] }),
    step("plan", { type: "batchable", dependencies: ["choose"], batch_config: { worker_template: "work" } }),
    step("work", { type: "batch_worker", dependencies: ["plan"] }),
    step("plan_report", { dependencies: ["plan"] }),
    step("merge", { type: "deferred_convergence", dependencies: ["plan", "work"] }),
  ]);

  it("comes with its regular children, as at task start, but not with the convergence step its batch creates", () => {
    const plan = planDecision(nestedBatch, "choose", DecisionOutcome.createSteps(["plan"]), new Set(["start", "choose"]));
    expect(plan.ok && plan.steps.map((s) => [s.name, s.parents])).toEqual([
      ["plan", ["choose"]],
      ["plan_report", ["plan"]],
    ]);
  });

  it("then creates the convergence step with its workers, wired to the batchable step and every worker", () => {
    const existing = new Set(["start", "choose", "plan", "plan_report"]);
    const plan = planBatch(nestedBatch, "plan", BatchOutcome.createBatches(BatchOutcome.rangeCursors(2, 1)), existing);
    expect(plan.ok && plan.steps.map((s) => [s.name, s.parents])).toEqual([
      ["work_001", ["plan"]],
      ["work_002", ["plan"]],
      ["merge", ["plan", "work_001", "work_002"]],
    ]);
  });
});
