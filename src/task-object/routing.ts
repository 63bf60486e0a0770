// Which queue carries a namespace's steps: binding STEPS_<NAMESPACE>, else the default queue.

export const DEFAULT_QUEUE_BINDING = "STEPS_DEFAULT";

/** `ecommerce` → `STEPS_ECOMMERCE`; characters a binding name cannot hold become `_`. */
export function queueBindingName(namespace: string): string {
  return `STEPS_${namespace.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

export function resolveQueueBinding(namespace: string, env: object): string {
  const own = queueBindingName(namespace);
  return own in env ? own : DEFAULT_QUEUE_BINDING;
}
