// tasker-edge/client: a small typed fetch-based client for the tasker-edge REST API (Workers and Node 22).

// The response schemas the client's types are inferred from, every one, as types only (no zod at run
// time): a declaration a user emits from an inferred answer type can then name them.
export type * from "../contract/responses";
export { createClient, type TaskerClient } from "./client";
export { TaskerApiError } from "./errors";
export type { ClientOptions, FetchLike } from "./http";
export type * from "./types";
export { SETTLED_STATUSES, TaskerTimeoutError } from "./wait";
