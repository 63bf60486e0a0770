// createOrchestrator: a user's templates, handlers and options in, the orchestrator's Worker and Durable Object classes out.
import { app } from "../api/app";
import { BulkJobObject } from "../bulk-jobs/bulk-job-object";
import { isConsolePath, serveConsole } from "../console/serve";
import { useLogLevelOf } from "../log";
import { createEnvBinder, type OrchestratorConfig } from "../orchestrator-config";
import { RateLimiter } from "../rate-limit/rate-limiter";
import { ensureTemplateSchedules } from "../schedules/reconcile";
import { ScheduleObject as EngineScheduleObject } from "../schedules/schedule-object";
import { isDeadLetterQueue, recordDeadLetters } from "../task-object/dead-letters";
import { TaskObject as EngineTaskObject } from "../task-object/task-object";
import { createStepConsumer } from "../worker/consumer";
import { type OrchestratorOptions, resolveOptions } from "./options";
import { createRoutingCheck } from "./routing-check";

/** The orchestrator Worker's handlers: the HTTP API and the operator console (/console), and the consumer of STEPS_DEFAULT and of the dead-letter queues. */
export interface OrchestratorWorker {
  fetch(request: Request, env: object, ctx: ExecutionContext): Promise<Response>;
  queue(batch: MessageBatch<unknown>, env: object, ctx: ExecutionContext): Promise<void>;
}

export interface Orchestrator {
  /** `export default orchestrator.worker`. */
  worker: OrchestratorWorker;
  /** `export const { TaskObject, RateLimiter, BulkJobObject, ScheduleObject } = orchestrator.durableObjects`: the classes wrangler.toml binds. */
  durableObjects: {
    TaskObject: typeof EngineTaskObject;
    RateLimiter: typeof RateLimiter;
    BulkJobObject: typeof BulkJobObject;
    ScheduleObject: typeof EngineScheduleObject;
  };
  /** The resolved configuration (templates, handlers, their consumer, queue routing), e.g. for tests. */
  config: OrchestratorConfig;
}

/**
 * Builds an orchestrator from its templates and handlers. Every option is checked here, at module
 * load: a broken template, two handlers under one name or a malformed option throws an Error that
 * starts `createOrchestrator:` and names it. The configuration reaches the API, the queue consumers
 * and the task objects through the env each of them is handed (see `createEnvBinder`), so two
 * orchestrators in one isolate (a test's and the app's) never see each other's templates or handlers.
 */
export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const { templates, handlers, queues, variableDefaults } = resolveOptions(options);
  const config: OrchestratorConfig = { templates, handlers, queues, consumer: createStepConsumer(handlers) };
  const bindEnv = createEnvBinder(config, variableDefaults);
  // Every entry point binds its env here, so each also takes the deployment's log level.
  const engineEnv = <E extends object>(env: E): E => {
    const bound = bindEnv(env);
    useLogLevelOf(bound);
    return bound;
  };
  const checkRouting = createRoutingCheck(config);

  const worker: OrchestratorWorker = {
    async fetch(request, env, ctx) {
      // The operator console: static pages that call the API below like any other client.
      if (isConsolePath(new URL(request.url).pathname)) return serveConsole(request);
      const bound = engineEnv(env);
      checkRouting(bound);
      // The schedules the bundled templates declare exist once any request has reached the Worker
      // (awaited by the first requests only: once done, there is nothing to await).
      const schedules = ensureTemplateSchedules(bound as Env);
      if (schedules) await schedules;
      return app.fetch(request, bound as Env, ctx);
    },
    async queue(batch, env, ctx) {
      const bound = engineEnv(env);
      checkRouting(bound);
      if (isDeadLetterQueue(batch.queue)) return recordDeadLetters(batch, bound as Env);
      return config.consumer(batch, bound, ctx);
    },
  };

  // The task object looks up a sub-workflow's child template and routes steps with this configuration.
  class TaskObject extends EngineTaskObject {
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, engineEnv(env));
    }
  }

  // A schedule's object starts tasks of this orchestrator's templates.
  class ScheduleObject extends EngineScheduleObject {
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, engineEnv(env));
    }
  }

  return { worker, durableObjects: { TaskObject, RateLimiter, BulkJobObject, ScheduleObject }, config };
}
