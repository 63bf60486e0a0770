// Tasker's permission vocabulary (`resource:action`): what each route of the contract requires.

/** Every permission a route can require. */
export const PERMISSIONS = [
  "tasks:create",
  "tasks:read",
  "tasks:list",
  "tasks:cancel",
  "tasks:resolve",
  "steps:read",
  "steps:resolve",
  "templates:read",
  "templates:write",
  "templates:validate",
  "schedules:read",
  "schedules:write",
  "events:send",
  "tasks:pause",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The actions a bulk job applies to every task it matches. */
export const BULK_ACTIONS = ["retry_failed_steps", "cancel", "give_up", "resolve"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/**
 * What a bulk job needs besides `tasks:list` (it lists before it acts): the permission of the
 * operator action it repeats on each task.
 */
export const BULK_ACTION_PERMISSIONS = {
  retry_failed_steps: "steps:resolve",
  cancel: "tasks:cancel",
  give_up: "tasks:resolve",
  resolve: "tasks:resolve",
} as const satisfies Record<BulkAction, Permission>;
