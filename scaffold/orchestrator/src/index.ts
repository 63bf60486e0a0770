// The orchestrator Worker: tasker-edge's HTTP API, task objects and queue consumer, built from this project's templates and handlers.
import { createOrchestrator } from "tasker-edge";
import orderFulfillment from "../templates/order_fulfillment.yaml";
import { handlers } from "./handlers";

const orchestrator = createOrchestrator({
  templates: [{ path: "templates/order_fulfillment.yaml", source: orderFulfillment }],
  handlers,
});

export const { TaskObject, RateLimiter, BulkJobObject, ScheduleObject } = orchestrator.durableObjects;
// Their instance types under the same names, for the Env that `wrangler types` generates from wrangler.toml.
export type TaskObject = InstanceType<typeof TaskObject>;
export type RateLimiter = InstanceType<typeof RateLimiter>;
export type BulkJobObject = InstanceType<typeof BulkJobObject>;
export type ScheduleObject = InstanceType<typeof ScheduleObject>;
export default orchestrator.worker;
