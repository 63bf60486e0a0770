// The repository's development orchestrator (`npm start`, the tests, `npm run bench`): the examples plus the bench's templates and handlers.
import { createOrchestrator } from "tasker-edge";
import { NoopBatchPlannerHandler, NoopHandler } from "../../../bench/orchestrator/handlers";
import { benchTemplates } from "../../../bench/orchestrator/templates";
import { exampleHandlers } from "./handlers";
import { exampleTemplates } from "./templates";

export const orchestrator = createOrchestrator({
  templates: [...exampleTemplates, ...benchTemplates],
  handlers: [...exampleHandlers, NoopHandler, NoopBatchPlannerHandler],
});

export const { TaskObject, RateLimiter, BulkJobObject, ScheduleObject } = orchestrator.durableObjects;
// Types of the same names, for the `DurableObjectNamespace<TaskObject>` that `wrangler types` writes into Env.
export type TaskObject = InstanceType<typeof TaskObject>;
export type RateLimiter = InstanceType<typeof RateLimiter>;
export type BulkJobObject = InstanceType<typeof BulkJobObject>;
export type ScheduleObject = InstanceType<typeof ScheduleObject>;
export default orchestrator.worker;
