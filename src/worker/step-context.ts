// What a handler sees of its step: task context, configuration, dependency results, attempt and deadline.
import type { BatchWorkerInputs } from "../engine/dynamic-steps";
import type { ClaimedStep, FailedDependency } from "../engine/protocol";

export class StepContext {
  readonly taskUuid: string;
  readonly stepUuid: string;
  readonly stepName: string;
  readonly namespace: string;
  readonly taskName: string;
  readonly taskVersion: string;
  readonly correlationId: string;
  /** The `handler.callable` the template named for this step. */
  readonly callable: string;
  /** 1-based: the first run of a step is attempt 1. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** `<task_uuid>:<step_name>:<attempt>` — stable across redeliveries of one attempt, for side effects. */
  readonly idempotencyKey: string;
  /** The task's `context`, as the client submitted it. */
  readonly inputData: Readonly<Record<string, unknown>>;
  /** The step's `handler.initialization` from the template. */
  readonly stepConfig: Readonly<Record<string, unknown>>;
  /** Results of every completed ancestor step, keyed by step name. */
  readonly dependencyResults: Readonly<Record<string, unknown>>;
  /** How long the handler may run before it is abandoned and the attempt counts as a timeout. */
  readonly timeoutMs: number;
  /** Aborted when the step's timeout passes; pass it to fetch() and other cancellable work. */
  readonly signal: AbortSignal;
  /** A batch worker's cursor: start (inclusive) and end (exclusive); null for other steps. */
  readonly cursor: BatchWorkerInputs["cursor"];
  /** A batch worker's batch: its batchable step, cursor field, failure strategy and parallelism; null for other steps. */
  readonly batchMetadata: BatchWorkerInputs["batch_metadata"] | null;
  /** Parents that failed but were tolerated (a continue_on_failure batch), keyed by step name. */
  readonly failedDependencies: Readonly<Record<string, FailedDependency>>;

  constructor(claimed: ClaimedStep, signal: AbortSignal = new AbortController().signal) {
    this.taskUuid = claimed.task.task_uuid;
    this.stepUuid = claimed.step.step_uuid;
    this.stepName = claimed.step.name;
    this.namespace = claimed.task.namespace;
    this.taskName = claimed.task.name;
    this.taskVersion = claimed.task.version;
    this.correlationId = claimed.task.correlation_id;
    this.callable = claimed.step.callable;
    this.attempt = claimed.step.attempt;
    this.maxAttempts = claimed.step.max_attempts;
    this.idempotencyKey = `${claimed.task.task_uuid}:${claimed.step.name}:${claimed.step.attempt}`;
    this.inputData = claimed.task.context;
    this.stepConfig = claimed.step.initialization;
    this.dependencyResults = claimed.dependency_results;
    this.timeoutMs = claimed.step.timeout_ms;
    this.signal = signal;
    this.cursor = claimed.step.inputs?.cursor ?? null;
    this.batchMetadata = claimed.step.inputs?.batch_metadata ?? null;
    this.failedDependencies = claimed.failed_dependencies ?? {};
  }

  /** A value from the task context, or undefined when the key is absent. */
  getInput<T = unknown>(key: string): T | undefined {
    return ownValue(this.inputData, key) as T | undefined;
  }

  /** A value from the task context, or `fallback` when the key is absent or undefined. */
  getInputOr<T>(key: string, fallback: T): T {
    const value = ownValue(this.inputData, key);
    return value === undefined ? fallback : (value as T);
  }

  /** A value from the step's handler initialization, or undefined when the key is absent. */
  getConfig<T = unknown>(key: string): T | undefined {
    return ownValue(this.stepConfig, key) as T | undefined;
  }

  /** The result of an ancestor step, or undefined when it is not an ancestor or has no result. */
  getDependencyResult<T = unknown>(stepName: string): T | undefined {
    return ownValue(this.dependencyResults, stepName) as T | undefined;
  }

  /** Results of every ancestor whose name starts with `prefix`, ordered by step name (batch workers). */
  getAllDependencyResults<T = unknown>(prefix: string): T[] {
    return Object.keys(this.dependencyResults)
      .filter((name) => name.startsWith(prefix))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((name) => this.dependencyResults[name] as T);
  }

  /** True from the second attempt on. */
  isRetry(): boolean {
    return this.attempt > 1;
  }

  /** True when a failure of this attempt will not be retried for lack of attempts. */
  isLastRetry(): boolean {
    return this.attempt >= this.maxAttempts;
  }
}

// Own properties only, so a step named "constructor" or a key "toString" never reads the prototype.
function ownValue(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
