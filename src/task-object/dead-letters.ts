// Consumes the steps' dead-letter queue: each object learns that a dispatch will never be claimed.
import { StepMessageSchema } from "../engine/protocol";
import { log } from "../log";
import { taskObject } from "./client";

/** Dead-letter queues are named after the queue they serve: `tasker-steps-<namespace>-dlq`. */
export function isDeadLetterQueue(queueName: string): boolean {
  return queueName.endsWith("-dlq");
}

export async function recordDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = StepMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        log("error", "dlq.message.invalid", { queue: batch.queue, message_id: message.id });
        message.ack();
        return;
      }
      const { task_uuid, step_uuid, dispatch_id } = parsed.data;
      try {
        const { accepted } = await taskObject(env, task_uuid).deadLetter(step_uuid, dispatch_id);
        log(accepted ? "error" : "info", "step.dead_lettered", { task_uuid, step_uuid, dispatch_id, recorded: accepted });
        message.ack();
      } catch (error) {
        log("error", "dlq.record_failed", { task_uuid, step_uuid, dispatch_id, error: String(error) });
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
}
