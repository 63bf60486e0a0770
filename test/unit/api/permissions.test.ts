import { describe, expect, it } from "vitest";
import { grants, inNamespaceScope, isGrantablePattern, isPermission, PERMISSIONS } from "../../../src/api/permissions";

describe("grants", () => {
  it("grants an exactly matching permission and nothing else", () => {
    expect(grants(["tasks:read"], "tasks:read")).toBe(true);
    expect(grants(["tasks:read"], "tasks:create")).toBe(false);
    expect(grants(["tasks:read"], "steps:read")).toBe(false);
  });

  it("grants every action of a resource through resource:*", () => {
    for (const permission of PERMISSIONS) {
      expect(grants(["tasks:*"], permission)).toBe(permission.startsWith("tasks:"));
    }
  });

  it("grants everything through *", () => {
    for (const permission of PERMISSIONS) expect(grants(["*"], permission)).toBe(true);
  });

  it("grants nothing from an empty list, unknown strings or look-alikes", () => {
    expect(grants([], "tasks:read")).toBe(false);
    expect(grants(["tasks", "tasks:", "task:*", "tasks:read ", "TASKS:READ", "*:read", "tasks:**"], "tasks:read")).toBe(false);
  });

  it("does not let a resource wildcard spill into a resource with the same prefix", () => {
    expect(grants(["step:*"], "steps:read")).toBe(false);
  });
});

describe("isGrantablePattern", () => {
  it("accepts every permission, each known resource's wildcard, and *", () => {
    for (const permission of PERMISSIONS) expect(isGrantablePattern(permission)).toBe(true);
    for (const pattern of ["tasks:*", "steps:*", "templates:*", "*"]) expect(isGrantablePattern(pattern)).toBe(true);
  });

  it("rejects typos, unknown resources and partial wildcards", () => {
    for (const pattern of ["task:create", "tasks:delete", "dlq:*", "tasks:c*", "*:*", "", "tasks"]) {
      expect(isGrantablePattern(pattern), pattern).toBe(false);
    }
  });
});

describe("isPermission", () => {
  it("knows the fourteen permissions of the vocabulary", () => {
    expect(PERMISSIONS).toHaveLength(14);
    expect(isPermission("schedules:write")).toBe(true);
    expect(isPermission("events:send")).toBe(true);
    expect(isPermission("tasks:pause")).toBe(true);
    expect(isPermission("templates:validate")).toBe(true);
    expect(isPermission("templates:*")).toBe(false);
  });
});

describe("inNamespaceScope", () => {
  it("lets an unscoped caller into every namespace", () => {
    expect(inNamespaceScope(null, "anything")).toBe(true);
  });

  it("limits a scoped caller to exactly its namespaces", () => {
    expect(inNamespaceScope(["ecommerce", "demo"], "demo")).toBe(true);
    expect(inNamespaceScope(["ecommerce"], "ecommerce_eu")).toBe(false);
    expect(inNamespaceScope([], "ecommerce")).toBe(false);
  });
});
