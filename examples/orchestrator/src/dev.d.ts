export declare const orchestrator: import("tasker-edge").Orchestrator;
export declare const TaskObject: typeof import("../../../src/task-object/task-object").TaskObject,
  RateLimiter: typeof import("../../../src/rate-limit/rate-limiter").RateLimiter;
export type TaskObject = InstanceType<typeof TaskObject>;
export type RateLimiter = InstanceType<typeof RateLimiter>;
declare const _default: import("tasker-edge").OrchestratorWorker;
export default _default;
