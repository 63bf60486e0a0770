// The bindings the orchestrator's sources name as `Env`, for building the package without an app's generated types.
interface Env {
  TASKER_DB: D1Database;
  STEPS_DEFAULT: Queue;
  TASKS: DurableObjectNamespace<import("../src/task-object/task-object").TaskObject>;
  RATE_LIMITER: DurableObjectNamespace<import("../src/rate-limit/rate-limiter").RateLimiter>;
  BULK_JOBS: DurableObjectNamespace<import("../src/bulk-jobs/bulk-job-object").BulkJobObject>;
  SCHEDULES: DurableObjectNamespace<import("../src/schedules/schedule-object").ScheduleObject>;
}

declare module "*.yaml" {
  const value: string;
  export default value;
}
