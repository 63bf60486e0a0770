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
  "tasks:pause",
] as const;
export type Permission = (typeof PERMISSIONS)[number];
