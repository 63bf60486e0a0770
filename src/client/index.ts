// tasker-edge/client: a small typed fetch-based client for the tasker-edge REST API (Workers and Node 22).
export { createClient, type TaskerClient } from "./client";
export { TaskerApiError } from "./errors";
export type { ClientOptions, FetchLike } from "./http";
export type * from "./types";
export { SETTLED_STATUSES, TaskerTimeoutError } from "./wait";
