import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { NoopBatchPlannerHandler, NoopHandler } from "../../../bench/orchestrator/handlers";
import { exampleHandlers } from "../../../examples/orchestrator/src/handlers";
import { ENGINE_CALLABLES } from "../../../src/shared/names";
import { DEFAULT_QUEUE_BINDING, queueBindingName } from "../../../src/shared/queue-routing";
import { HandlerRegistry } from "../../../src/worker";

const ROOT = join(import.meta.dirname, "../../..");

/** The handlers the development orchestrator (examples/orchestrator/src/dev.ts) runs itself. */
const devRegistry = new HandlerRegistry();
for (const handler of [...exampleHandlers, NoopHandler, NoopBatchPlannerHandler]) devRegistry.register(handler);

/** Producer bindings of namespaces with a queue of their own: a handler bundle runs those, not the embedded consumer. */
const OWN_QUEUE_BINDINGS = new Set(
  [...readFileSync(join(ROOT, "wrangler.toml"), "utf8").matchAll(/^binding = "(STEPS_\w+)"$/gm)]
    .map((m) => m[1])
    .filter((binding) => binding !== DEFAULT_QUEUE_BINDING),
);

/** Every `handler.callable` of the example and bench templates, with the template it comes from. */
function bundledCallables(): { template: string; callable: string }[] {
  const found: { template: string; callable: string }[] = [];
  const files = ["examples/orchestrator/templates", "bench/templates"]
    .flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" }).map((file) => `${dir}/${file}`))
    .filter((file) => file.endsWith(".yaml"));
  for (const file of files) {
    const doc = load(readFileSync(join(ROOT, file), "utf8")) as {
      namespace_name?: string;
      steps?: { handler?: { callable?: string } }[];
    };
    if (OWN_QUEUE_BINDINGS.has(queueBindingName(doc.namespace_name ?? ""))) continue;
    for (const step of doc.steps ?? []) {
      if (step.handler?.callable) found.push({ template: file, callable: step.handler.callable });
    }
  }
  return found;
}

describe("the development orchestrator's handlers", () => {
  it("resolves every callable the bundled templates name, except the deliberately unknown one", () => {
    const callables = bundledCallables();
    expect(callables.length).toBeGreaterThan(0);
    // WorkflowHandler steps start child tasks in the task object, and the object keeps sleeps and
    // event waits itself: no handler Worker runs them.
    const unresolved = callables.filter(({ callable }) => !ENGINE_CALLABLES.includes(callable) && !devRegistry.has(callable));
    expect(unresolved).toEqual([
      { template: "examples/orchestrator/templates/demo/unknown_handler.yaml", callable: "NoSuchHandler" },
    ]);
  });

  it("registers each handler under its class name and its handlerName", () => {
    for (const [className, handlerName] of [
      ["OrderValidationHandler", "order_validation"],
      ["InventoryHandler", "inventory_reservation"],
      ["PaymentHandler", "payment"],
    ] as const) {
      expect(devRegistry.resolve(className)).toBe(devRegistry.resolve(handlerName));
      expect(devRegistry.resolve(className)).toBeDefined();
    }
    expect(devRegistry.list()).toHaveLength(46);
  });
});
