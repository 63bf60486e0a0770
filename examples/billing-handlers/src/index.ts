// The billing bundle's Worker entry: a queue consumer running the billing handlers.
import { createStepConsumer } from "tasker-edge/worker";
import { billingRegistry } from "./registry";

export default { queue: createStepConsumer(billingRegistry) } satisfies ExportedHandler<Env>;
