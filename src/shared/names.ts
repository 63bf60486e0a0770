// Names every layer agrees on: the shape of template names and versions, the workflow step's callable, identity strategies.

/** Template, namespace and step names: they become queue names, URL segments and log keys. */
export const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
/** Template versions (a URL segment): ASCII letters and digits, then also `.`, `_`, `-` and `+` (semver). */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** The `handler.callable` of a step that starts a child task instead of calling a handler. */
export const WORKFLOW_HANDLER = "WorkflowHandler";

/** The `handler.callable` of a step that waits for a time, with no handler (engine/waits.ts). */
export const SLEEP_HANDLER = "tasker.sleep";
/** The `handler.callable` of a step that waits for a named event sent through the API, with no handler. */
export const WAIT_FOR_EVENT_HANDLER = "tasker.wait_for_event";
/** Callables the engine runs itself: no handler is registered or called for them. */
export const ENGINE_CALLABLES: readonly string[] = [WORKFLOW_HANDLER, SLEEP_HANDLER, WAIT_FOR_EVENT_HANDLER];

/** A template's place in a chain of parents, e.g. `billing/invoice@1.0.0`. */
export function templateKey(namespace: string, name: string, version: string): string {
  return `${namespace}/${name}@${version}`;
}

/** How a submission maps to a task uuid (see engine/identity.ts). */
export type IdentityStrategy = "strict" | "caller_provided" | "always_unique";
export const IDENTITY_STRATEGIES: readonly IdentityStrategy[] = ["strict", "caller_provided", "always_unique"];
