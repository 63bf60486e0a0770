// The handler bundle's Worker: consumes the {{NAMESPACE}} namespace's queue and runs this project's handlers.
import { createStepConsumer, HandlerRegistry } from "tasker-edge/worker";
import { handlers } from "./handlers";

const registry = new HandlerRegistry();
for (const handler of handlers) registry.register(handler);

export default { queue: createStepConsumer(registry) } satisfies ExportedHandler<Env>;
