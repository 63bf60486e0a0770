// The start-up check of an orchestrator's routing: which shipped steps would reach a consumer without their handler.

import { log } from "../log";
import type { OrchestratorConfig } from "../orchestrator-config";
import { ENGINE_CALLABLES } from "../shared/names";
import { DEFAULT_QUEUE_BINDING, queueBindingName, resolveQueueBinding } from "../shared/queue-routing";

export interface RoutingProblem {
  level: "warn" | "error";
  event: string;
  fields: Record<string, unknown>;
}

/**
 * Every `queues` binding missing from the Worker's env, and every step of a shipped template that
 * goes to STEPS_DEFAULT (so this orchestrator's own consumer runs it) while no handler of this
 * orchestrator answers to its callable: such a step would end `handler_not_found`.
 */
export function routingProblems(env: object, config: OrchestratorConfig): RoutingProblem[] {
  const problems: RoutingProblem[] = [];
  for (const [namespace, binding] of Object.entries(config.queues)) {
    if (!(binding in env)) {
      problems.push({
        level: "error",
        event: "orchestrator.queue_binding.missing",
        fields: {
          namespace,
          binding,
          hint: `options.queues sends namespace "${namespace}" to ${binding}, which is not a binding of this Worker: add a [[queues.producers]] binding ${binding} to wrangler.toml`,
        },
      });
    }
  }
  for (const template of config.templates.list()) {
    const namespace = template.namespace_name;
    if (resolveQueueBinding(namespace, env, config.queues) !== DEFAULT_QUEUE_BINDING) continue;
    for (const step of template.steps) {
      const { callable } = step.handler;
      if (ENGINE_CALLABLES.includes(callable) || config.handlers.has(callable)) continue;
      problems.push({
        level: "warn",
        event: "orchestrator.handler.missing",
        fields: {
          namespace,
          template: `${namespace}/${template.name}@${template.version}`,
          step: step.name,
          callable,
          queue: DEFAULT_QUEUE_BINDING,
          hint: `no handler for "${callable}" is registered with this orchestrator and namespace "${namespace}" has no producer binding ${queueBindingName(namespace)} (nor a queues entry): its steps go to ${DEFAULT_QUEUE_BINDING} and will fail with handler_not_found`,
        },
      });
    }
  }
  return problems;
}

/** Logs the routing problems once per isolate: the first request or batch has the env they depend on. */
export function createRoutingCheck(config: OrchestratorConfig): (env: object) => void {
  let checked = false;
  return (env) => {
    if (checked) return;
    checked = true;
    for (const problem of routingProblems(env, config)) log(problem.level, problem.event, problem.fields);
  };
}
