import { describe, expect, it } from "vitest";
import { changesIndexedStatus } from "../../../src/task-object/task-index-effect";

const t = (from: string | null, to: string) => ({ from, to }) as never;

describe("changesIndexedStatus", () => {
  it("is true when an operation ends in another status than it began, creation included", () => {
    expect(
      changesIndexedStatus([
        t("pending", "initializing"),
        t("initializing", "enqueuing_steps"),
        t("enqueuing_steps", "steps_in_process"),
      ]),
    ).toBe(true);
    expect(changesIndexedStatus([t("steps_in_process", "evaluating_results"), t("evaluating_results", "complete")])).toBe(true);
  });

  it("is false for a round trip through evaluation, and for an operation without task transitions", () => {
    expect(changesIndexedStatus([t("steps_in_process", "evaluating_results"), t("evaluating_results", "steps_in_process")])).toBe(
      false,
    );
    expect(changesIndexedStatus([])).toBe(false);
  });
});
