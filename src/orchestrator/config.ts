// An orchestrator's resolved configuration, and the env that carries it to the API, the consumers and the task objects.
import type { TemplateRegistry } from "../templates/registry";
import type { StepConsumer } from "../worker/consumer";
import type { HandlerRegistry } from "../worker/registry";

/** What `createOrchestrator` resolved its options into; every part of the engine reads it through `configOf(env)`. */
export interface OrchestratorConfig {
  /** The templates this orchestrator ships (listed as `origin: "bundled"`); D1-registered ones come on top. */
  readonly templates: TemplateRegistry;
  /** The handlers this orchestrator runs itself, for namespaces routed to STEPS_DEFAULT. */
  readonly handlers: HandlerRegistry;
  /** The consumer of STEPS_DEFAULT built from `handlers`; the API also runs a new task's first steps with it. */
  readonly consumer: StepConsumer;
  /** Namespace → producer binding, ahead of the STEPS_<NAMESPACE> convention. */
  readonly queues: Readonly<Record<string, string>>;
}

// A registered symbol, so a second copy of this module (a test runner's, a bundler's) still finds it.
const CONFIG = Symbol.for("tasker-edge.orchestrator-config");

/**
 * A function giving the env the engine sees for a Worker env: a copy of its bindings and variables,
 * the variable defaults the options set for each variable the Worker's env leaves unset (a Worker
 * var or secret always wins), and this orchestrator's configuration under a symbol. A plain copy, so
 * code that spreads an env (`{ ...env, X }`) keeps all three. One copy per Worker env object, so
 * it is made once per isolate, not once per request.
 */
export function createEnvBinder(config: OrchestratorConfig, variableDefaults: Readonly<Record<string, string>>) {
  const bound = new WeakMap<object, object>();
  return <E extends object>(env: E): E => {
    let engineEnv = bound.get(env);
    if (engineEnv === undefined) {
      const unset = Object.entries(variableDefaults).filter(
        ([variable]) => (env as Record<string, unknown>)[variable] === undefined,
      );
      engineEnv = { ...env, ...Object.fromEntries(unset), [CONFIG]: config };
      bound.set(env, engineEnv);
    }
    return engineEnv as E;
  };
}

/** The configuration an env carries; throws when it carries none, which means the Worker was not built by `createOrchestrator`. */
export function configOf(env: unknown): OrchestratorConfig {
  const config = typeof env === "object" && env !== null ? (env as { [CONFIG]?: OrchestratorConfig })[CONFIG] : undefined;
  if (config === undefined) {
    throw new Error(
      "this env carries no orchestrator configuration: export the Worker and its Durable Objects from createOrchestrator(...)",
    );
  }
  return config;
}
