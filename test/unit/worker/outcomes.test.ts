import { describe, expect, it } from "vitest";
import { BatchOutcome, DecisionOutcome } from "../../../src/worker/outcomes";

describe("DecisionOutcome", () => {
  it("builds a create_steps outcome, with extra result keys beside it", () => {
    expect(DecisionOutcome.createSteps(["manager", "finance"], { amount: 5 })).toEqual({
      amount: 5,
      decision_point_outcome: { type: "create_steps", step_names: ["manager", "finance"] },
    });
  });

  it("copies the names, and an extra key cannot replace the outcome", () => {
    const names = ["a"];
    const result = DecisionOutcome.createSteps(names, { decision_point_outcome: "overridden" });
    names.push("b");
    expect(result).toEqual({ decision_point_outcome: { type: "create_steps", step_names: ["a"] } });
  });

  it("builds a no_branches outcome", () => {
    expect(DecisionOutcome.noBranches()).toEqual({ decision_point_outcome: { type: "no_branches" } });
    expect(DecisionOutcome.noBranches({ reason: "small" })).toEqual({
      reason: "small",
      decision_point_outcome: { type: "no_branches" },
    });
  });
});

describe("BatchOutcome", () => {
  it("builds create_batches and no_batches outcomes", () => {
    const cursors = [{ batch_id: "1", start_cursor: 0, end_cursor: 5 }];
    const result = BatchOutcome.createBatches(cursors, { total_items: 5 });
    cursors.pop();
    expect(result).toEqual({
      total_items: 5,
      batch_processing_outcome: { type: "create_batches", cursor_configs: [{ batch_id: "1", start_cursor: 0, end_cursor: 5 }] },
    });
    expect(BatchOutcome.noBatches({ total_items: 0 })).toEqual({
      total_items: 0,
      batch_processing_outcome: { type: "no_batches" },
    });
  });

  describe("rangeCursors", () => {
    it("cuts an exact multiple into equal slices", () => {
      expect(BatchOutcome.rangeCursors(300, 100)).toEqual([
        { batch_id: "001", start_cursor: 0, end_cursor: 100, batch_size: 100 },
        { batch_id: "002", start_cursor: 100, end_cursor: 200, batch_size: 100 },
        { batch_id: "003", start_cursor: 200, end_cursor: 300, batch_size: 100 },
      ]);
    });

    it("ends the last slice at the total when it does not divide evenly", () => {
      expect(BatchOutcome.rangeCursors(10, 4)).toEqual([
        { batch_id: "001", start_cursor: 0, end_cursor: 4, batch_size: 4 },
        { batch_id: "002", start_cursor: 4, end_cursor: 8, batch_size: 4 },
        { batch_id: "003", start_cursor: 8, end_cursor: 10, batch_size: 4 },
      ]);
      expect(BatchOutcome.rangeCursors(3, 10)).toEqual([{ batch_id: "001", start_cursor: 0, end_cursor: 3, batch_size: 10 }]);
    });

    it("returns no cursors for zero items", () => {
      expect(BatchOutcome.rangeCursors(0, 10)).toEqual([]);
    });

    it("pads batch ids to at least three digits, wider when there are more batches, so names sort in cursor order", () => {
      const ids = (total: number) => BatchOutcome.rangeCursors(total, 1).map((c) => c.batch_id);
      expect(ids(999).slice(-2)).toEqual(["998", "999"]);
      expect(ids(1_000).slice(0, 2)).toEqual(["0001", "0002"]);
      expect(ids(1_000).at(-1)).toBe("1000");
      const many = ids(12_345);
      expect(many[0]).toBe("00001");
      expect([...many].sort()).toEqual(many);
    });

    it.each([
      [-1, 10, "totalItems must be a whole number ≥ 0"],
      [2.5, 10, "totalItems must be a whole number ≥ 0"],
      [Number.NaN, 10, "totalItems must be a whole number ≥ 0"],
      [10, 0, "batchSize must be a whole number ≥ 1"],
      [10, 1.5, "batchSize must be a whole number ≥ 1"],
      [10, Number.POSITIVE_INFINITY, "batchSize must be a whole number ≥ 1"],
    ])("refuses totalItems %s with batchSize %s", (total, size, message) => {
      expect(() => BatchOutcome.rangeCursors(total, size)).toThrow(new RangeError(message));
    });
  });
});
