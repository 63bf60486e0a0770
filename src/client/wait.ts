// waitForTask's polling loop: reads the task until its status is one of `until`, bounded by a timeout.
import type { TaskStatus, TaskView, WaitOptions } from "./types";

/** Where waiting stops by default: the terminal states plus `blocked_by_failures` (it needs an operator). */
export const SETTLED_STATUSES: readonly TaskStatus[] = [
  "complete",
  "error",
  "cancelled",
  "resolved_manually",
  "blocked_by_failures",
];

export class TaskerTimeoutError extends Error {
  constructor(
    readonly taskUuid: string,
    readonly lastTask: TaskView | undefined,
    timeoutMs: number,
  ) {
    super(`task ${taskUuid} did not reach the awaited status within ${timeoutMs} ms (last: ${lastTask?.status ?? "unknown"})`);
    this.name = "TaskerTimeoutError";
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function pollTask(
  getTask: (uuid: string) => Promise<TaskView>,
  uuid: string,
  { until = SETTLED_STATUSES, timeoutMs = 30_000, intervalMs = 250 }: WaitOptions = {},
): Promise<TaskView> {
  const deadline = Date.now() + timeoutMs;
  let last: TaskView | undefined;
  for (;;) {
    last = await getTask(uuid);
    if (until.includes(last.status)) return last;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new TaskerTimeoutError(uuid, last, timeoutMs);
    await sleep(Math.min(intervalMs, remaining));
  }
}
