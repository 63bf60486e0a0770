import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/api/errors";
import { taskUuidFor } from "../../../src/api/identity";
import { isUuid } from "../../../src/engine/ids";
import type { TaskTemplate } from "../../../src/templates/types";

const template = (identity_strategy: TaskTemplate["identity_strategy"]): TaskTemplate => ({
  name: "order_fulfillment",
  namespace_name: "ecommerce",
  version: "1.0.0",
  description: null,
  metadata: null,
  input_schema: null,
  identity_strategy,
  steps: [],
});

describe("taskUuidFor", () => {
  it("derives the same uuid from the same strict submission", async () => {
    const a = await taskUuidFor(template("strict"), { context: { order_id: "1" } });
    expect(isUuid(a)).toBe(true);
    expect(await taskUuidFor(template("strict"), { context: { order_id: "1" } })).toBe(a);
    expect(await taskUuidFor(template("strict"), { context: { order_id: "2" } })).not.toBe(a);
  });

  it("gives always_unique a fresh uuid each time", async () => {
    const a = await taskUuidFor(template("always_unique"), { context: {} });
    expect(await taskUuidFor(template("always_unique"), { context: {} })).not.toBe(a);
  });

  it("refuses a caller_provided submission without an idempotency_key", async () => {
    await expect(taskUuidFor(template("caller_provided"), { context: {} })).rejects.toMatchObject({
      status: 400,
      code: "idempotency_key_required",
    });
    await expect(taskUuidFor(template("caller_provided"), { context: {} })).rejects.toBeInstanceOf(ApiError);
    const keyed = await taskUuidFor(template("caller_provided"), { context: {}, idempotency_key: "k" });
    expect(await taskUuidFor(template("caller_provided"), { context: { other: 1 }, idempotency_key: "k" })).toBe(keyed);
  });
});
