import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { defaultRegistry } from "../../../src/handlers";
import { WORKFLOW_HANDLER } from "../../../src/shared/names";
import { DEFAULT_QUEUE_BINDING, queueBindingName } from "../../../src/task-object/routing";

const TEMPLATES = join(import.meta.dirname, "../../../templates");

/** Producer bindings of namespaces with a queue of their own: a handler bundle runs those, not the embedded consumer. */
const OWN_QUEUE_BINDINGS = new Set(
  [...readFileSync(join(import.meta.dirname, "../../../wrangler.toml"), "utf8").matchAll(/^binding = "(STEPS_\w+)"$/gm)]
    .map((m) => m[1])
    .filter((binding) => binding !== DEFAULT_QUEUE_BINDING),
);

/** Every `handler.callable` of the bundled templates, with the template it comes from. */
function bundledCallables(): { template: string; callable: string }[] {
  const found: { template: string; callable: string }[] = [];
  for (const family of readdirSync(TEMPLATES).filter((f) => !OWN_QUEUE_BINDINGS.has(queueBindingName(f)))) {
    for (const file of readdirSync(join(TEMPLATES, family)).filter((f) => f.endsWith(".yaml"))) {
      const doc = load(readFileSync(join(TEMPLATES, family, file), "utf8")) as { steps?: { handler?: { callable?: string } }[] };
      for (const step of doc.steps ?? []) {
        if (step.handler?.callable) found.push({ template: `${family}/${file}`, callable: step.handler.callable });
      }
    }
  }
  return found;
}

describe("defaultRegistry", () => {
  it("resolves every callable the bundled templates name, except the deliberately unknown one", () => {
    const callables = bundledCallables();
    expect(callables.length).toBeGreaterThan(0);
    // WorkflowHandler steps start child tasks in the task object; no handler Worker runs them.
    const unresolved = callables.filter(({ callable }) => callable !== WORKFLOW_HANDLER && !defaultRegistry.has(callable));
    expect(unresolved).toEqual([{ template: "demo/unknown_handler.yaml", callable: "NoSuchHandler" }]);
  });

  it("registers each handler under its class name and its handlerName", () => {
    for (const [className, handlerName] of [
      ["OrderValidationHandler", "order_validation"],
      ["InventoryHandler", "inventory_reservation"],
      ["PaymentHandler", "payment"],
    ] as const) {
      expect(defaultRegistry.resolve(className)).toBe(defaultRegistry.resolve(handlerName));
      expect(defaultRegistry.resolve(className)).toBeDefined();
    }
    expect(defaultRegistry.list()).toHaveLength(43);
  });
});
