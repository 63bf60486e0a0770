// Which queue carries a namespace's steps: the orchestrator's `queues` option, else binding STEPS_<NAMESPACE>, else the default queue.

export const DEFAULT_QUEUE_BINDING = "STEPS_DEFAULT";

/** `ecommerce` → `STEPS_ECOMMERCE`; characters a binding name cannot hold become `_`. */
export function queueBindingName(namespace: string): string {
  return `STEPS_${namespace.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The producer binding a namespace's steps go to; `queues` (namespace → binding) comes before the convention. */
export function resolveQueueBinding(namespace: string, env: object, queues: Readonly<Record<string, string>> = {}): string {
  const chosen = Object.hasOwn(queues, namespace) ? queues[namespace] : undefined;
  if (chosen !== undefined) return chosen;
  const own = queueBindingName(namespace);
  return own in env ? own : DEFAULT_QUEUE_BINDING;
}
