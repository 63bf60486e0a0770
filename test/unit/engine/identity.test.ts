import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, identityHash, sha256Hex, uuidFromHash } from "../../../src/engine/identity";
import { isUuid } from "../../../src/engine/ids";

const order = { namespace: "ecommerce", name: "order_fulfillment", version: "1.0.0" };

describe("identity", () => {
  it("canonicalises key order at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = JSON.parse(JSON.stringify(value));
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value));
      }),
    );
  });

  it("hashes strict submissions by template and context, whatever the key order", async () => {
    const a = await identityHash("strict", { ...order, context: { order_id: "1", email: "x@y" } });
    const b = await identityHash("strict", { ...order, context: { email: "x@y", order_id: "1" } });
    const c = await identityHash("strict", { ...order, context: { email: "x@y", order_id: "2" } });
    const d = await identityHash("strict", { ...order, version: "2.0.0", context: { email: "x@y", order_id: "1" } });
    expect(a).toBe(b);
    expect(new Set([a, c, d]).size).toBe(3);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it("lets an idempotency key win over the context, and gives always_unique no identity", async () => {
    const one = await identityHash("always_unique", { ...order, context: { n: 1 }, idempotencyKey: "k-1" });
    const two = await identityHash("strict", { ...order, context: { n: 2 }, idempotencyKey: "k-1" });
    expect(one).toBe(two);
    expect(await identityHash("always_unique", { ...order, context: {} })).toBeNull();
    expect(await identityHash("caller_provided", { ...order, context: {} })).toBeNull();
  });

  it("turns a digest into a stable version-8 UUID", async () => {
    const uuid = uuidFromHash(await sha256Hex("x"));
    expect(isUuid(uuid)).toBe(true);
    expect(uuid[14]).toBe("8");
    expect("89ab").toContain(uuid[19]);
    expect(uuidFromHash(await sha256Hex("x"))).toBe(uuid);
  });
});
