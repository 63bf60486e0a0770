// The orchestrator Worker: the HTTP API, the TaskObject class, and the embedded default handlers.
import { app } from "./api/app";
import { runEagerStepsWith } from "./api/eager-runner";
import { defaultConsumer } from "./handlers";
import { isDeadLetterQueue, recordDeadLetters } from "./task-object/dead-letters";

runEagerStepsWith(defaultConsumer);

export { RateLimiter } from "./rate-limit/rate-limiter";
export { TaskObject } from "./task-object/task-object";

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => (isDeadLetterQueue(batch.queue) ? recordDeadLetters(batch, env) : defaultConsumer(batch, env, ctx)),
} satisfies ExportedHandler<Env>;
