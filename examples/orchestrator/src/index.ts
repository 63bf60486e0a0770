// The demo orchestrator: the example templates and their handlers, served by tasker-edge's orchestrator factory.
import { createOrchestrator } from "tasker-edge";
import { exampleHandlers } from "./handlers";
import { exampleTemplates } from "./templates";

const orchestrator = createOrchestrator({
  templates: exampleTemplates,
  handlers: exampleHandlers,
});

export const { TaskObject, RateLimiter, BulkJobObject, ScheduleObject } = orchestrator.durableObjects;
export default orchestrator.worker;
