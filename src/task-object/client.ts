// A typed handle on a task's object for callers in this Worker (the API, tests).
import type { TaskObject } from "./task-object";

type Rpc<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

/** The object's public RPC methods with their declared result types (workerd's stub types widen literal unions). */
export type TaskObjectClient = Pick<
  Rpc<TaskObject>,
  | "create"
  | "claim"
  | "claimMany"
  | "report"
  | "reportMany"
  | "childFinished"
  | "deadLetter"
  | "cancel"
  | "applyStepAction"
  | "applyTaskAction"
  | "sendEvent"
  | "getTask"
  | "listSteps"
  | "getStep"
  | "stepAudit"
  | "taskTransitions"
  | "inspect"
  | "listDeliveries"
  | "pause"
  | "resume"
  | "stepGraph"
>;

export function taskObject(env: Env, taskUuid: string): TaskObjectClient {
  return env.TASKS.getByName(taskUuid) as unknown as TaskObjectClient;
}
