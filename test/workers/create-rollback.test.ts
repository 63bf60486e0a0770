// A create whose transaction throws leaves nothing behind, in storage or in the object's memory: the same create then starts the task.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/engine/ids";
import { parseTemplate } from "../../src/templates/loader";
import { newTaskInput } from "./helpers";

const TEMPLATE = `
name: rollback_probe
namespace_name: manual
version: 1.0.0
steps:
  - name: first
    handler: { callable: EchoHandler }
  - name: second
    handler: { callable: EchoHandler }
    dependencies: [first]
`;

describe("a create that throws inside its transaction", () => {
  it("is rolled back whole, and the next create starts the task from its own rows", async () => {
    const parsed = parseTemplate(TEMPLATE);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const taskUuid = uuidv7();
    await runInDurableObject(env.TASKS.getByName(taskUuid), async (instance) => {
      // The write path fails once after the run was loaded (a full disk, a bug): the transaction rolls back.
      const patched = instance as unknown as { applyAndLog: () => void };
      patched.applyAndLog = () => {
        throw new Error("injected failure inside the create transaction");
      };
      await expect(instance.create(newTaskInput(taskUuid, parsed.template))).rejects.toThrow("injected failure");
      delete (patched as { applyAndLog?: unknown }).applyAndLog;
      expect((await instance.inspect()).task).toBeNull();

      const { created } = await instance.create(newTaskInput(taskUuid, parsed.template));
      expect(created).toBe(true);
      const { steps } = await instance.inspect();
      const stateOf = (name: string) => steps.find((step) => step.name === name)?.state;
      expect(stateOf("first")).toBe("enqueued");
      expect(stateOf("second")).toBe("pending");
      expect((await instance.getTask()).ok).toBe(true);
    });
  });
});
