import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/api/errors";
import { answerOf } from "../../../src/api/task-object-errors";
import { ok, refused } from "../../../src/task-object/rpc-result";

describe("answerOf", () => {
  it("hands back the value of an answer that is ok", () => {
    expect(answerOf(ok({ status: "complete" }))).toEqual({ status: "complete" });
  });

  it("throws a refusal as the API error its code maps to, message and details unchanged", () => {
    const cases = [
      [refused("task_not_found", "task t not found"), 404],
      [refused("step_not_found", "step s not found"), 404],
      [refused("task_already_terminal", "task t is already complete", { status: "complete" }), 409],
      [refused("action_not_allowed", "reset_for_retry is not allowed", { current_state: "pending" }), 409],
      [refused("result_too_large", "too large"), 413],
    ] as const;
    for (const [answer, status] of cases) {
      let thrown: unknown;
      try {
        answerOf(answer);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ApiError);
      expect(thrown).toMatchObject({
        status,
        code: answer.error.code,
        message: answer.error.message,
        details: answer.error.details,
      });
    }
  });
});
