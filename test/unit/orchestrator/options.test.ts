import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../../src/orchestrator/options";
import { HandlerRegistry, StepHandler } from "../../../src/worker";

const template = (name: string, callable = "GreetingHandler", namespace = "greetings") => `
name: ${name}
namespace_name: ${namespace}
version: 1.0.0
steps:
  - name: greet
    handler: { callable: ${callable} }
`;

class GreetingHandler extends StepHandler {
  static override handlerName = "greeting";
  async call() {
    return { hello: "world" };
  }
}

class OtherGreetingHandler extends StepHandler {
  static override handlerName = "greeting";
  async call() {
    return { hello: "there" };
  }
}

const minimal = { templates: [template("hello")], handlers: [GreetingHandler] };

describe("resolveOptions", () => {
  it("loads YAML texts and { path, source } objects, and registers handler classes under both their names", () => {
    const resolved = resolveOptions({
      templates: [template("hello"), { path: "templates/bye.yaml", source: template("bye") }],
      handlers: [GreetingHandler],
    });
    expect(resolved.templates.list().map((t) => t.name)).toEqual(["bye", "hello"]);
    expect(resolved.handlers.list()).toEqual(["GreetingHandler", "greeting"]);
    expect(resolved.queues).toEqual({});
    expect(resolved.variableDefaults).toEqual({});
  });

  it("takes retention as the defaults of its Worker variables, and refuses a malformed one", () => {
    const resolved = resolveOptions({ ...minimal, retention: { days: 90, namespaces: { scratch: 1, audit: "forever" } } });
    expect(resolved.variableDefaults).toEqual({
      TASKER_RETENTION_DAYS: "90",
      TASKER_RETENTION_NAMESPACES: '{"scratch":1,"audit":"forever"}',
    });
    expect(() => resolveOptions({ ...minimal, retention: { days: "30d" as never } })).toThrow(
      /^createOrchestrator: options.retention: TASKER_RETENTION_DAYS must be a whole number of days/,
    );
    expect(() => resolveOptions({ ...minimal, retention: { weeks: 2 } as never })).toThrow(/retention.weeks is not an option/);
  });

  it("takes a HandlerRegistry as it is", () => {
    const registry = new HandlerRegistry().register("greeter", GreetingHandler);
    expect(resolveOptions({ templates: [], handlers: registry }).handlers).toBe(registry);
  });

  it("fails loudly on a broken template, naming where it came from", () => {
    expect(() => resolveOptions({ ...minimal, templates: [template("hello"), "name: ["] })).toThrow(
      /^createOrchestrator: invalid templates:\ntemplates\[1\]: \(template\): YAML syntax error/,
    );
    expect(() => resolveOptions({ ...minimal, templates: [{ path: "templates/x.yaml", source: "name: x\n" }] })).toThrow(
      /^createOrchestrator: invalid templates:\ntemplates\/x\.yaml: /,
    );
    expect(() => resolveOptions({ ...minimal, templates: [template("hello"), template("hello")] })).toThrow(
      "createOrchestrator: duplicate templates: greetings/hello@1.0.0",
    );
    expect(() => resolveOptions({ ...minimal, templates: [42 as unknown as string] })).toThrow(
      "createOrchestrator: options.templates[0] is neither a YAML text nor a { path, source } object",
    );
  });

  it("fails loudly on two handler classes under one name, or on something that is not a class", () => {
    expect(() => resolveOptions({ ...minimal, handlers: [GreetingHandler, OtherGreetingHandler] })).toThrow(
      'createOrchestrator: options.handlers[1]: handler name "greeting" is already registered to GreetingHandler, cannot register OtherGreetingHandler',
    );
    expect(() => resolveOptions({ ...minimal, handlers: [{} as typeof GreetingHandler] })).toThrow(
      "createOrchestrator: options.handlers[0] is not a handler class",
    );
    expect(() => resolveOptions({ ...minimal, handlers: undefined as unknown as [] })).toThrow(
      "createOrchestrator: options.handlers must be an array of handler classes or a HandlerRegistry",
    );
  });

  it("refuses an option it does not know, so a typo is not silently ignored", () => {
    expect(() => resolveOptions({ ...minimal, handler: [] } as unknown as typeof minimal)).toThrow(
      "createOrchestrator: unknown option handler (options: templates, handlers, auth, queues, limits, retention)",
    );
  });

  it("keeps a queues map of binding names and refuses anything else", () => {
    expect(resolveOptions({ ...minimal, queues: { billing: "BILLING_STEPS" } }).queues).toEqual({ billing: "BILLING_STEPS" });
    expect(() => resolveOptions({ ...minimal, queues: { billing: "billing-steps" } })).toThrow(
      'createOrchestrator: options.queues.billing must be a binding name (letters, digits, _), not "billing-steps"',
    );
  });

  it("turns limits into the defaults of their variables, checked as the variables are", () => {
    const resolved = resolveOptions({ ...minimal, limits: { maxTaskSteps: 500, writesPerMinute: "off" } });
    expect(resolved.variableDefaults).toEqual({ TASKER_MAX_TASK_STEPS: "500", TASKER_WRITES_PER_MINUTE: "off" });
    expect(() => resolveOptions({ ...minimal, limits: { maxTaskSteps: 0 } })).toThrow(
      /^createOrchestrator: options\.limits: TASKER_MAX_TASK_STEPS must be a whole number from 1 to/,
    );
    expect(() => resolveOptions({ ...minimal, limits: { maxSteps: 5 } as never })).toThrow(
      "createOrchestrator: options.limits.maxSteps is not an option (maxTaskSteps, taskCreatesPerMinute, writesPerMinute)",
    );
  });

  it("turns auth settings into the defaults of their variables, and keeps secrets out of code", () => {
    const publicKey = {
      kty: "EC",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    };
    const resolved = resolveOptions({
      ...minimal,
      auth: { required: true, jwt: { publicKey, issuer: "https://issuer.test", audience: "tasker" } },
    });
    expect(resolved.variableDefaults).toEqual({
      TASKER_AUTH: "required",
      TASKER_JWT_PUBLIC_KEY: JSON.stringify(publicKey),
      TASKER_JWT_ISSUER: "https://issuer.test",
      TASKER_JWT_AUDIENCE: "tasker",
    });
    expect(() => resolveOptions({ ...minimal, auth: { apiKeys: [] } as never })).toThrow(
      /^createOrchestrator: options\.auth\.apiKeys is not an option \(required, jwt\); API keys and JWT secrets are Worker secrets/,
    );
    expect(() => resolveOptions({ ...minimal, auth: { jwt: { publicKey: { ...publicKey, d: "secret" } } } })).toThrow(
      /^createOrchestrator: options\.auth\.jwt\.publicKey: .*is a private key/,
    );
    expect(() => resolveOptions({ ...minimal, auth: { jwt: { issuer: " " } } })).toThrow(
      "createOrchestrator: options.auth.jwt.issuer must be a non-blank string",
    );
  });
});
