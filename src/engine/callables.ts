// Callables the engine itself gives meaning to (a leaf module: the handler SDK imports it without the template schema).

/** The `handler.callable` of a step that starts a child task instead of calling a handler. */
export const WORKFLOW_HANDLER = "WorkflowHandler";
