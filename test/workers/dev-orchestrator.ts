// The development orchestrator (examples/orchestrator/src/dev.ts) for tests that call the API or the engine with an env of their own.
import { orchestrator } from "../../examples/orchestrator/src/dev";
import { app as engineApp } from "../../src/api/app";
import { createEnvBinder } from "../../src/orchestrator/config";

/** A test's env as the engine sees it under the development orchestrator: its bindings plus that orchestrator's configuration. */
export const withOrchestrator = createEnvBinder(orchestrator.config, {});

/** The API app as `app.request(path, init, env)`, the development orchestrator's configuration bound to each env given. */
export const app = {
  routes: engineApp.routes,
  request: (input: RequestInfo | URL, init?: RequestInit, testEnv?: object, ctx?: ExecutionContext) =>
    engineApp.request(input, init, testEnv === undefined ? undefined : withOrchestrator(testEnv), ctx),
};
