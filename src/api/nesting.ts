// Refuses a client value nested too deeply, before anything recursive (identity hash, validator, RPC) reads it.

import { nestsDeeperThan } from "../engine/nesting";
import { MAX_NESTING_DEPTH } from "../shared/limits";
import { ApiError } from "./errors";

/** Throws `400 nesting_too_deep` when `value` (found at `path` in the request) nests past MAX_NESTING_DEPTH. */
export function refuseDeepNesting(value: unknown, path: string): void {
  if (!nestsDeeperThan(value, MAX_NESTING_DEPTH)) return;
  throw new ApiError(400, "nesting_too_deep", `${path} nests objects and arrays more than ${MAX_NESTING_DEPTH} levels deep`, {
    path,
    limit: MAX_NESTING_DEPTH,
  });
}
