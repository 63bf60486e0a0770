// A typed handle on a schedule's object for callers in this Worker (the API, reconciliation, tests).
import type { ScheduleObject } from "./schedule-object";

type Rpc<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

/** The object's public RPC methods with their declared result types. */
export type ScheduleObjectClient = Pick<
  Rpc<ScheduleObject>,
  "create" | "configure" | "get" | "inspect" | "pause" | "resume" | "remove" | "trigger"
>;

export function scheduleObject(env: Env, scheduleId: string): ScheduleObjectClient {
  return env.SCHEDULES.getByName(scheduleId) as unknown as ScheduleObjectClient;
}
