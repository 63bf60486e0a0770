// The orchestrator Worker: the HTTP API, the TaskObject class, and the embedded default handlers.
import { app } from "./api/app";
import { defaultRegistry } from "./handlers";
import { isDeadLetterQueue, recordDeadLetters } from "./task-object/dead-letters";
import { createStepConsumer } from "./worker";

export { TaskObject } from "./task-object/task-object";

const consumeSteps = createStepConsumer(defaultRegistry);

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => (isDeadLetterQueue(batch.queue) ? recordDeadLetters(batch, env) : consumeSteps(batch, env, ctx)),
} satisfies ExportedHandler<Env>;
