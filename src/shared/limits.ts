// Published limits, shared by the request schemas, the template loader, the object and the tests.

/** Largest HTTP request body the API accepts. */
export const MAX_REQUEST_BYTES = 1_048_576;
/** Largest serialised task `context`. */
export const MAX_CONTEXT_BYTES = 262_144;
/**
 * Deepest nesting of objects and arrays in a task context, a step result and `completion_data`
 * (`{}` is one level). Checked by an iterative scan before anything recursive (canonical JSON, the
 * JSON Schema validator, serialisation) walks the value, so deep input is refused, not a stack overflow.
 */
export const MAX_NESTING_DEPTH = 64;
/** Largest serialised result a single step may report. */
export const MAX_RESULT_BYTES = 1_048_576;
/** Most steps a template may declare. */
export const MAX_TEMPLATE_STEPS = 1_000;
/**
 * Most steps one task may ever hold, template steps, decision branches and batch workers together,
 * unless `TASKER_MAX_TASK_STEPS` says otherwise: the largest template plus one full batch (10,000
 * workers). Without it one small request could make a task of any size, a batch at a time.
 */
export const DEFAULT_MAX_TASK_STEPS = 11_000;
/** The error code of a task refused, or a step failed, for crossing that ceiling. */
export const STEP_LIMIT_EXCEEDED = "step_limit_exceeded";
/** Longest template, step or namespace name. */
export const MAX_NAME_LENGTH = 255;
/** Longest namespace name (it becomes part of a queue name). */
export const MAX_NAMESPACE_LENGTH = 29;
/** Longest template version string. */
export const MAX_VERSION_LENGTH = 50;
/** Rows written per INSERT so that no statement exceeds SQLite's 100 bound parameters. */
export const SQL_PARAMS_PER_STATEMENT = 100;
/** Messages per `sendBatch` call (the Queues limit). */
export const MAX_QUEUE_BATCH = 100;
/** Largest template body `PUT /v1/templates/...` and `POST /v1/templates/validate` accept. */
export const MAX_TEMPLATE_SOURCE_BYTES = 524_288;
/** Largest registered template once loaded (every default applied), so it and its source fit one 2 MB D1 row. */
export const MAX_TEMPLATE_JSON_BYTES = 786_432;
/** Default and largest page size of `GET /v1/tasks`. */
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** Most eager dispatches one report may ask for: larger fan-outs go through the queue. */
export const MAX_EAGER_LIMIT = 16;

/** The longest retention a template or setting may name, in days (100 years); `forever` is the way past it. */
export const MAX_RETENTION_DAYS = 36_500;
