import { describe, expect, it } from "vitest";
import type { OrchestratorConfig } from "../../../src/orchestrator/config";
import { resolveOptions } from "../../../src/orchestrator/options";
import { routingProblems } from "../../../src/orchestrator/routing-check";
import { StepHandler } from "../../../src/worker";

class GreetingHandler extends StepHandler {
  async call() {
    return { hello: "world" };
  }
}

const GREETINGS = `
name: hello
namespace_name: greetings
version: 1.0.0
steps:
  - name: greet
    handler: { callable: GreetingHandler }
  - name: shout
    handler: { callable: ShoutHandler }
    dependencies: [greet]
  - name: child
    handler:
      callable: WorkflowHandler
      initialization: { task_template: elsewhere }
    dependencies: [greet]
`;

function config(queues: Record<string, string> = {}): OrchestratorConfig {
  const { templates, handlers } = resolveOptions({ templates: [GREETINGS], handlers: [GreetingHandler], queues });
  return { templates, handlers, queues, consumer: undefined as never };
}

describe("routingProblems", () => {
  it("warns of a step bound for STEPS_DEFAULT whose callable this orchestrator has no handler for", () => {
    expect(routingProblems({ STEPS_DEFAULT: {} }, config())).toEqual([
      {
        level: "warn",
        event: "orchestrator.handler.missing",
        fields: {
          namespace: "greetings",
          template: "greetings/hello@1.0.0",
          step: "shout",
          callable: "ShoutHandler",
          queue: "STEPS_DEFAULT",
          hint: expect.stringContaining('namespace "greetings" has no producer binding STEPS_GREETINGS'),
        },
      },
    ]);
  });

  it("says nothing of a namespace another Worker's queue carries, by convention or by the queues option", () => {
    expect(routingProblems({ STEPS_DEFAULT: {}, STEPS_GREETINGS: {} }, config())).toEqual([]);
    expect(routingProblems({ STEPS_DEFAULT: {}, HELLO_STEPS: {} }, config({ greetings: "HELLO_STEPS" }))).toEqual([]);
  });

  it("names a queues binding the Worker does not have", () => {
    expect(routingProblems({ STEPS_DEFAULT: {} }, config({ greetings: "HELLO_STEPS" }))).toEqual([
      {
        level: "error",
        event: "orchestrator.queue_binding.missing",
        fields: { namespace: "greetings", binding: "HELLO_STEPS", hint: expect.stringContaining("[[queues.producers]]") },
      },
    ]);
  });
});
