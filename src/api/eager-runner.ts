// Who runs a new task's first steps at once, inside this Worker: the step consumer the Worker's entry hands over.
import type { StepConsumer } from "../worker/consumer";

let runner: Pick<StepConsumer, "runEager"> | null = null;

/** Called once by the Worker's entry with the consumer of its own queue; without it every step goes through the queue. */
export function runEagerStepsWith(consumer: Pick<StepConsumer, "runEager">): void {
  runner = consumer;
}

export function eagerRunner(): Pick<StepConsumer, "runEager"> | null {
  return runner;
}
