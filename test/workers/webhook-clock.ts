// Moves a task's webhook clock forward in tests: its timers and its deliveries' schedule, then its alarm and background sends.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

/** Waits for the object's background sends to finish: awaited state, never a sleep. */
export async function webhooksSettled(taskUuid: string): Promise<void> {
  await runInDurableObject(env.TASKS.getByName(taskUuid), (instance) => instance.webhookSender.settled());
}

/** Moves the task's timers and deliveries `ms` earlier, runs its alarm, and waits for its background sends. */
export async function travel(taskUuid: string, ms: number): Promise<void> {
  const stub = env.TASKS.getByName(taskUuid);
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE timers SET due_at = due_at - ?", ms);
    state.storage.sql.exec(
      "UPDATE webhook_deliveries SET created_at = created_at - ?, next_attempt_at = next_attempt_at - ?",
      ms,
      ms,
    );
  });
  await runDurableObjectAlarm(stub);
  await webhooksSettled(taskUuid);
}
