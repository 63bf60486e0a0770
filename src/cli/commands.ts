// The `tasker` commands: each reads its arguments, calls the API through tasker-edge/client, prints, and says how it ended.
import type {
  BulkAction,
  BulkJobRequest,
  BulkJobView,
  ScheduleListFilters,
  ScheduleRequest,
  ScheduleSummary,
  ScheduleTrigger,
  StepView,
  TaskerClient,
  TaskListFilters,
  TaskView,
} from "tasker-edge/client";
import { type CommandSpec, type Invocation, numberOption, stringOption, UsageError } from "./args";
import { type Style, stateColor } from "./style";
import { renderStepTree, renderTask } from "./tree";

/** Exit codes: what a script calling `tasker` can rely on. */
export const EXIT = {
  /** Done; a watched task or bulk job ended well. */
  ok: 0,
  /**
   * The task ended badly (error, cancelled, blocked by failures), a template is invalid, a bulk job failed on
   * some task, or a schedule's trigger failed to start its task.
   */
  failed: 1,
  /** The command was called wrongly. */
  usage: 2,
  /** The API refused (the message says why: auth, not found, conflict…) or could not be reached. */
  api: 3,
  /** `watch` gave up waiting. */
  timeout: 4,
} as const;

export interface CommandContext {
  client: TaskerClient;
  style: Style;
  json: boolean;
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  readFile(path: string): Promise<string>;
  sleep(ms: number): Promise<void>;
}

type Run = (ctx: CommandContext, call: Invocation) => Promise<number>;
export interface Command extends CommandSpec {
  run: Run;
}

const TASK_FILTERS = [
  "namespace",
  "name",
  "version",
  "status",
  "initiator",
  "source-system",
  "correlation-id",
  "created-after",
  "created-before",
];

/** Statuses that end a task badly: `show` and `watch` exit 1 on them. */
const FAILED_TASK_STATUSES = new Set(["error", "cancelled", "blocked_by_failures"]);
const ENDED_TASK_STATUSES = new Set(["complete", "error", "cancelled", "resolved_manually", "blocked_by_failures"]);

const BULK_ACTION_NAMES: Record<string, BulkAction> = {
  "retry-failed-steps": "retry_failed_steps",
  retry_failed_steps: "retry_failed_steps",
  cancel: "cancel",
  "give-up": "give_up",
  give_up: "give_up",
  resolve: "resolve",
};

const printJson = (ctx: CommandContext, value: unknown) => ctx.out(JSON.stringify(value, null, 2));

/** The listing filters from `--namespace`, `--created-after`…, as the API names them. */
export function taskFilters(options: Record<string, string | true>): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const option of TASK_FILTERS) {
    const value = stringOption(options, option);
    if (value !== undefined) filters[option.replaceAll("-", "_")] = value;
  }
  return filters;
}

const whoAmI = (ctx: CommandContext, options: Record<string, string | true>) =>
  stringOption(options, "by") ?? ctx.env.TASKER_OPERATOR ?? ctx.env.USER ?? "tasker-cli";

const taskStatus = (ctx: CommandContext, task: TaskView) => ctx.style.paint(stateColor(task.status), task.status);

/** A step by uuid, or by name when the task has exactly one step of that name. */
async function findStep(ctx: CommandContext, taskUuid: string, step: string): Promise<StepView> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(step)) return ctx.client.getStep(taskUuid, step);
  const named = (await ctx.client.listSteps(taskUuid)).filter((candidate) => candidate.name === step);
  if (named.length === 1) return named[0] as StepView;
  throw new UsageError(
    named.length === 0
      ? `task ${taskUuid} has no step named ${step}`
      : `task ${taskUuid} has ${named.length} steps named ${step}; give its uuid`,
  );
}

const listTasks: Run = async (ctx, { options }) => {
  const filters: TaskListFilters = { ...taskFilters(options) } as TaskListFilters;
  const page = numberOption(options, "page", 1, 1_000_000);
  const perPage = numberOption(options, "per-page", 1, 100);
  if (page !== undefined) filters.page = page;
  if (perPage !== undefined) filters.per_page = perPage;
  const list = await ctx.client.listTasks(filters);
  if (ctx.json) {
    printJson(ctx, list);
    return EXIT.ok;
  }
  for (const task of list.tasks) {
    const status = ctx.style.paint(stateColor(task.status), task.status.padEnd(24));
    ctx.out(`${task.task_uuid}  ${status}  ${task.namespace}/${task.name}@${task.version}  ${task.created_at}`);
  }
  const { page: at, total_pages, total_count } = list.pagination;
  ctx.out(ctx.style.paint("gray", `page ${at} of ${total_pages} · ${total_count} task${total_count === 1 ? "" : "s"}`));
  return EXIT.ok;
};

const showTask: Run = async (ctx, { args }) => {
  const uuid = args.task_uuid as string;
  const [task, steps] = await Promise.all([ctx.client.getTask(uuid), ctx.client.listSteps(uuid)]);
  if (ctx.json) printJson(ctx, { task, steps });
  else ctx.out(renderTask(task, steps, ctx.style));
  return FAILED_TASK_STATUSES.has(task.status) ? EXIT.failed : EXIT.ok;
};

const watchTask: Run = async (ctx, { args, options }) => {
  const uuid = args.task_uuid as string;
  const intervalMs = numberOption(options, "interval", 50, 60_000) ?? 500;
  const timeoutS = numberOption(options, "timeout", 0, 86_400) ?? 600;
  const deadline = timeoutS === 0 ? Number.POSITIVE_INFINITY : Date.now() + timeoutS * 1000;
  let last = "";
  for (;;) {
    const task = await ctx.client.getTask(uuid);
    const line = `${task.status} ${task.completed_steps}/${task.total_steps}`;
    if (line !== last && !ctx.json) {
      ctx.out(
        `${new Date().toISOString().slice(11, 19)}  ${taskStatus(ctx, task)}  ${task.completed_steps}/${task.total_steps} steps complete`,
      );
    }
    last = line;
    if (ENDED_TASK_STATUSES.has(task.status)) {
      const steps = await ctx.client.listSteps(uuid);
      if (ctx.json) printJson(ctx, { task, steps });
      else ctx.out(renderTask(task, steps, ctx.style));
      return FAILED_TASK_STATUSES.has(task.status) ? EXIT.failed : EXIT.ok;
    }
    if (Date.now() >= deadline) {
      ctx.err(`tasker: task ${uuid} is still ${task.status} after ${timeoutS} s`);
      return EXIT.timeout;
    }
    await ctx.sleep(intervalMs);
  }
};

const cancelTask: Run = async (ctx, { args, options }) => {
  const task = await ctx.client.cancelTask(
    args.task_uuid as string,
    stringOption(options, "reason") ?? "cancelled with the tasker CLI",
  );
  if (ctx.json) printJson(ctx, task);
  else ctx.out(`${task.task_uuid}  ${taskStatus(ctx, task)}`);
  return EXIT.ok;
};

const stepAction =
  (kind: "retry" | "resolve" | "complete"): Run =>
  async (ctx, { args, options }) => {
    const taskUuid = args.task_uuid as string;
    const step = await findStep(ctx, taskUuid, args.step as string);
    const reason = stringOption(options, "reason") ?? `${kind} with the tasker CLI`;
    const by = whoAmI(ctx, options);
    let changed: StepView;
    if (kind === "retry") changed = await ctx.client.resetStep(taskUuid, step.step_uuid, reason, by);
    else if (kind === "resolve") changed = await ctx.client.resolveStep(taskUuid, step.step_uuid, reason, by);
    else {
      const text = stringOption(options, "result");
      if (text === undefined) throw new UsageError("steps complete: --result <json> is required");
      let result: unknown;
      try {
        result = JSON.parse(text);
      } catch {
        throw new UsageError("steps complete: --result is not valid JSON");
      }
      changed = await ctx.client.completeStep(taskUuid, step.step_uuid, { result }, reason, by);
    }
    if (ctx.json) printJson(ctx, changed);
    else
      ctx.out(
        `${changed.name}  ${step.current_state} → ${ctx.style.paint(stateColor(changed.current_state), changed.current_state)}`,
      );
    return EXIT.ok;
  };

function bulkRequest(action: string, options: Record<string, string | true>): BulkJobRequest {
  const resolved = BULK_ACTION_NAMES[action];
  if (resolved === undefined) {
    throw new UsageError(`tasks bulk: unknown action ${action}; use retry-failed-steps, cancel, give-up or resolve`);
  }
  const reason = stringOption(options, "reason");
  if (reason === undefined) throw new UsageError("tasks bulk: --reason is required (it is recorded on every task)");
  return { action: resolved, reason, filter: taskFilters(options) };
}

function progressLine(ctx: CommandContext, job: BulkJobView): string {
  const { paint } = ctx.style;
  return `${paint(job.status === "completed" ? "green" : job.status === "running" ? "cyan" : "red", job.status)}  ${job.processed}/${job.matched} processed · ${paint("green", `${job.succeeded} succeeded`)} · ${job.skipped} skipped · ${paint(job.failed > 0 ? "red" : "gray", `${job.failed} failed`)}`;
}

function jobOutcome(job: BulkJobView): number {
  return job.status === "completed" && job.failed === 0 ? EXIT.ok : EXIT.failed;
}

const bulk: Run = async (ctx, { args, options }) => {
  const request = bulkRequest(args.action as string, options);
  const dry = await ctx.client.bulkDryRun(request);
  if (options.yes !== true) {
    if (ctx.json) printJson(ctx, dry);
    else {
      ctx.out(`dry run: ${request.action} would act on ${dry.matched} task${dry.matched === 1 ? "" : "s"}`);
      for (const uuid of dry.sample) ctx.out(`  ${uuid}`);
      if (dry.matched > dry.sample.length) ctx.out(`  … and ${dry.matched - dry.sample.length} more`);
      ctx.out("nothing changed; run again with --yes to start the job");
    }
    return EXIT.ok;
  }
  let job = await ctx.client.startBulkJob(request);
  if (!ctx.json) ctx.out(`bulk job ${job.job_id}: ${request.action} on ${job.matched} task${job.matched === 1 ? "" : "s"}`);
  if (options.detach === true) {
    if (ctx.json) printJson(ctx, job);
    return EXIT.ok;
  }
  const intervalMs = numberOption(options, "interval", 50, 60_000) ?? 500;
  let last = "";
  for (;;) {
    const line = progressLine(ctx, job);
    if (line !== last && !ctx.json) ctx.out(line);
    last = line;
    if (job.status !== "running") break;
    await ctx.sleep(intervalMs);
    job = await ctx.client.getBulkJob(job.job_id);
  }
  if (ctx.json) printJson(ctx, job);
  else for (const error of job.errors) ctx.out(`  ${error.task_uuid}  ${error.outcome}  ${error.code}: ${error.message}`);
  return jobOutcome(job);
};

const bulkStatus: Run = async (ctx, { args }) => {
  const job = await ctx.client.getBulkJob(args.job_id as string);
  if (ctx.json) printJson(ctx, job);
  else {
    ctx.out(`bulk job ${job.job_id}: ${job.action} by ${job.created_by} at ${job.created_at}`);
    ctx.out(progressLine(ctx, job));
    for (const error of job.errors) ctx.out(`  ${error.task_uuid}  ${error.outcome}  ${error.code}: ${error.message}`);
  }
  return job.status === "running" ? EXIT.ok : jobOutcome(job);
};

const bulkJobs: Run = async (ctx, { options }) => {
  const list = await ctx.client.listBulkJobs(numberOption(options, "limit", 1, 100));
  if (ctx.json) printJson(ctx, list);
  else
    for (const job of list.jobs)
      ctx.out(`${job.job_id}  ${job.action.padEnd(18)}  ${progressLine(ctx, { ...job, failure: null, errors: [] })}`);
  return EXIT.ok;
};

const bulkStop: Run = async (ctx, { args }) => {
  const job = await ctx.client.cancelBulkJob(args.job_id as string);
  if (ctx.json) printJson(ctx, job);
  else ctx.out(progressLine(ctx, job));
  return EXIT.ok;
};

const listTemplates: Run = async (ctx, { options }) => {
  const list = await ctx.client.listTemplates(stringOption(options, "namespace"));
  if (ctx.json) printJson(ctx, list);
  else {
    for (const template of list.templates) {
      const id = `${template.namespace}/${template.name}@${template.version}`;
      ctx.out(
        `${id.padEnd(44)}  ${String(template.step_count).padStart(3)} steps  ${template.origin.padEnd(10)}  ${template.description ?? ""}`.trimEnd(),
      );
    }
  }
  return EXIT.ok;
};

const showTemplate: Run = async (ctx, { args }) => {
  const namespace = args.namespace as string;
  const name = args.name as string;
  let version = args.version;
  if (version === undefined) {
    const versions = (await ctx.client.listTemplates(namespace)).templates.filter((t) => t.name === name).map((t) => t.version);
    if (versions.length === 0) throw new UsageError(`no template ${namespace}/${name}`);
    version = versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1) as string;
  }
  const template = await ctx.client.getTemplate(namespace, name, version);
  if (ctx.json) {
    printJson(ctx, template);
    return EXIT.ok;
  }
  ctx.out(
    `${ctx.style.paint("bold", `${template.namespace}/${template.name}@${template.version}`)}  ${template.origin}  ${template.steps.length} steps`,
  );
  if (template.description) ctx.out(ctx.style.paint("gray", template.description));
  const steps = template.steps.map((step) => ({
    name: step.name,
    current_state: step.type,
    dependencies: step.dependencies,
    attempts: 0,
    max_attempts: step.retry.max_attempts,
    callable: step.callable,
    last_error: null,
    next_retry_at: null,
    child_task_uuid: null,
  }));
  for (const line of renderStepTree(steps, ctx.style)) ctx.out(line);
  return EXIT.ok;
};

/** A template file's content as the API takes it: a `.json` file as an object, anything else as YAML text. */
async function templateFile(ctx: CommandContext, path: string): Promise<string | Record<string, unknown>> {
  const text = await ctx.readFile(path);
  if (!path.toLowerCase().endsWith(".json")) return text;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${String(error)}`);
  }
}

function printProblems(ctx: CommandContext, path: string, problems: readonly { path: string; message: string }[]): void {
  ctx.err(`${path}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
  for (const problem of problems)
    ctx.err(`  ${ctx.style.paint("red", problem.path === "" ? "(template)" : problem.path)}: ${problem.message}`);
}

const validateTemplate: Run = async (ctx, { args }) => {
  const path = args.file as string;
  const validation = await ctx.client.validateTemplate(await templateFile(ctx, path));
  if (ctx.json) printJson(ctx, validation);
  else if (validation.valid && validation.template) {
    const t = validation.template;
    ctx.out(`${path}: valid  ${t.namespace}/${t.name}@${t.version}  ${t.step_count} steps`);
  } else printProblems(ctx, path, validation.problems);
  return validation.valid ? EXIT.ok : EXIT.failed;
};

const pushTemplate: Run = async (ctx, { args }) => {
  const path = args.file as string;
  const content = await templateFile(ctx, path);
  const validation = await ctx.client.validateTemplate(content);
  if (!validation.valid || !validation.template) {
    if (ctx.json) printJson(ctx, validation);
    else printProblems(ctx, path, validation.problems);
    return EXIT.failed;
  }
  const { namespace, name, version } = validation.template;
  const registered = await ctx.client.registerTemplate(namespace, name, version, content);
  if (ctx.json) printJson(ctx, registered);
  else
    ctx.out(`${namespace}/${name}@${version}: ${registered.created ? "registered" : "already registered with the same content"}`);
  return EXIT.ok;
};

/** A JSON option's value, parsed; `undefined` when it is not given. */
export function jsonOption(options: Record<string, string | true>, key: string, command: string): unknown {
  const text = stringOption(options, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${command}: --${key} is not valid JSON`);
  }
}

const taskControl =
  (action: "pause" | "resume"): Run =>
  async (ctx, { args, options }) => {
    const uuid = args.task_uuid as string;
    const control = {
      reason: stringOption(options, "reason") ?? `${action}d with the tasker CLI`,
      performed_by: whoAmI(ctx, options),
    };
    const task = action === "pause" ? await ctx.client.pauseTask(uuid, control) : await ctx.client.resumeTask(uuid, control);
    if (ctx.json) printJson(ctx, task);
    else ctx.out(`${task.task_uuid}  ${taskStatus(ctx, task)}  ${task.paused ? ctx.style.paint("yellow", "paused") : "running"}`);
    return EXIT.ok;
  };

/** `schedules list`'s filters, as the API names them. */
export function scheduleFilters(options: Record<string, string | true>): ScheduleListFilters {
  const filters: ScheduleListFilters = {};
  const namespace = stringOption(options, "namespace");
  const template = stringOption(options, "template");
  const source = stringOption(options, "source");
  const paused = stringOption(options, "paused");
  if (namespace !== undefined) filters.namespace = namespace;
  if (template !== undefined) filters.template_name = template;
  if (source !== undefined) {
    if (source !== "template" && source !== "api") throw new UsageError("schedules list: --source is template or api");
    filters.source = source;
  }
  if (paused !== undefined) {
    if (paused !== "true" && paused !== "false") throw new UsageError("schedules list: --paused is true or false");
    filters.paused = paused;
  }
  const page = numberOption(options, "page", 1, 1_000_000);
  const perPage = numberOption(options, "per-page", 1, 100);
  if (page !== undefined) filters.page = page;
  if (perPage !== undefined) filters.per_page = perPage;
  return filters;
}

const OVERLAP_POLICIES = ["skip", "allow", "buffer_one"];

/** `schedules create`'s request from its flags: exactly one of --cron and --interval, --timezone only with --cron. */
export function scheduleRequest(options: Record<string, string | true>): ScheduleRequest {
  const need = (key: string) => {
    const value = stringOption(options, key);
    if (value === undefined) throw new UsageError(`schedules create: --${key} is required`);
    return value;
  };
  const cron = stringOption(options, "cron");
  const interval = stringOption(options, "interval");
  const timezone = stringOption(options, "timezone");
  if ((cron === undefined) === (interval === undefined))
    throw new UsageError("schedules create: give --cron or --interval, not both");
  if (timezone !== undefined && cron === undefined) throw new UsageError("schedules create: --timezone goes with --cron");
  const request: ScheduleRequest = { namespace: need("namespace"), template_name: need("template"), name: need("name") };
  const version = stringOption(options, "version");
  if (version !== undefined) request.template_version = version;
  if (cron !== undefined) request.cron = cron;
  if (interval !== undefined) request.interval = interval;
  if (timezone !== undefined) request.timezone = timezone;
  const context = jsonOption(options, "context", "schedules create");
  if (context !== undefined) {
    if (typeof context !== "object" || context === null || Array.isArray(context)) {
      throw new UsageError("schedules create: --context must be a JSON object");
    }
    request.context = context as Record<string, unknown>;
  }
  const overlap = stringOption(options, "overlap");
  if (overlap !== undefined) {
    if (!OVERLAP_POLICIES.includes(overlap))
      throw new UsageError(`schedules create: --overlap is ${OVERLAP_POLICIES.join(", ")}`);
    request.overlap = overlap as ScheduleRequest["overlap"];
  }
  const catchUp = numberOption(options, "catch-up", 0, 1_000);
  if (catchUp !== undefined) request.catch_up = catchUp;
  return request;
}

const every = (schedule: Pick<ScheduleSummary, "cron" | "interval_seconds" | "timezone">) =>
  schedule.cron === null ? `every ${schedule.interval_seconds}s` : `${schedule.cron} (${schedule.timezone})`;

function scheduleLine(ctx: CommandContext, schedule: ScheduleSummary): string {
  const state = schedule.paused ? ctx.style.paint("yellow", "paused".padEnd(6)) : ctx.style.paint("green", "active");
  const template = `${schedule.namespace}/${schedule.template_name}${schedule.template_version ? `@${schedule.template_version}` : ""}`;
  return `${schedule.schedule_id}  ${state}  ${every(schedule)}  next ${schedule.next_fire_at ?? "-"}  ${template}`;
}

const listSchedules: Run = async (ctx, { options }) => {
  const list = await ctx.client.listSchedules(scheduleFilters(options));
  if (ctx.json) {
    printJson(ctx, list);
    return EXIT.ok;
  }
  for (const schedule of list.schedules) ctx.out(scheduleLine(ctx, schedule));
  const { page, total_pages, total_count } = list.pagination;
  ctx.out(ctx.style.paint("gray", `page ${page} of ${total_pages} · ${total_count} schedule${total_count === 1 ? "" : "s"}`));
  return EXIT.ok;
};

const showSchedule: Run = async (ctx, { args }) => {
  const schedule = await ctx.client.getSchedule(args.schedule_id as string);
  if (ctx.json) {
    printJson(ctx, schedule);
    return EXIT.ok;
  }
  ctx.out(scheduleLine(ctx, schedule));
  ctx.out(
    `  source ${schedule.source} · overlap ${schedule.overlap} · catch-up ${schedule.catch_up} · created by ${schedule.created_by}`,
  );
  if (schedule.paused_by) ctx.out(`  paused by ${schedule.paused_by}`);
  if (Object.keys(schedule.context).length > 0) ctx.out(`  context ${JSON.stringify(schedule.context)}`);
  for (const fire of schedule.recent_fires) {
    const outcome = ctx.style.paint(
      fire.outcome === "started" ? "green" : fire.outcome === "failed" ? "red" : "yellow",
      fire.outcome,
    );
    ctx.out(`  ${fire.fire_at}  ${outcome}${fire.manual ? " (trigger)" : ""}  ${fire.task_uuid ?? fire.detail ?? ""}`.trimEnd());
  }
  return EXIT.ok;
};

const createSchedule: Run = async (ctx, { options }) => {
  const schedule = await ctx.client.createSchedule(scheduleRequest(options));
  if (ctx.json) printJson(ctx, schedule);
  else ctx.out(`created ${scheduleLine(ctx, schedule)}`);
  return EXIT.ok;
};

const scheduleAction =
  (action: "pause" | "resume"): Run =>
  async (ctx, { args }) => {
    const id = args.schedule_id as string;
    const schedule = action === "pause" ? await ctx.client.pauseSchedule(id) : await ctx.client.resumeSchedule(id);
    if (ctx.json) printJson(ctx, schedule);
    else ctx.out(scheduleLine(ctx, schedule));
    return EXIT.ok;
  };

function triggerLine(ctx: CommandContext, fired: ScheduleTrigger): string {
  const color = fired.outcome === "started" ? "green" : fired.outcome === "failed" ? "red" : "yellow";
  return `${fired.schedule.schedule_id}  ${ctx.style.paint(color, fired.outcome)}  ${fired.task_uuid ?? fired.detail ?? ""}`.trimEnd();
}

const triggerSchedule: Run = async (ctx, { args }) => {
  const fired = await ctx.client.triggerSchedule(args.schedule_id as string);
  if (ctx.json) printJson(ctx, fired);
  else ctx.out(triggerLine(ctx, fired));
  return fired.outcome === "failed" ? EXIT.failed : EXIT.ok;
};

const deleteSchedule: Run = async (ctx, { args }) => {
  const deleted = await ctx.client.deleteSchedule(args.schedule_id as string);
  if (ctx.json) printJson(ctx, deleted);
  else ctx.out(`${deleted.schedule_id}  deleted`);
  return EXIT.ok;
};

const sendEvent: Run = async (ctx, { args, options }) => {
  const name = args.name as string;
  const payload = jsonOption(options, "payload", "events send") ?? null;
  const eventId = stringOption(options, "event-id");
  const taskUuid = stringOption(options, "task");
  const correlationId = stringOption(options, "correlation-id");
  if (taskUuid !== undefined && correlationId !== undefined) {
    throw new UsageError("events send: --task and --correlation-id name the tasks two ways; give one");
  }
  const event = { name, payload, ...(eventId === undefined ? {} : { event_id: eventId }) };
  const receipts =
    taskUuid === undefined
      ? (await ctx.client.sendEvent({ ...event, ...(correlationId === undefined ? {} : { correlation_id: correlationId }) }))
          .receipts
      : [await ctx.client.sendTaskEvent(taskUuid, event)];
  if (ctx.json) {
    printJson(ctx, { receipts });
    return EXIT.ok;
  }
  if (receipts.length === 0) ctx.out(`${name}: no task waits for it`);
  for (const receipt of receipts) {
    const color = receipt.status === "delivered" ? "green" : receipt.status === "buffered" ? "cyan" : "gray";
    ctx.out(`${receipt.task_uuid}  ${ctx.style.paint(color, receipt.status)}  ${receipt.step_name ?? ""}`.trimEnd());
  }
  return EXIT.ok;
};

const FILTER_OPTIONS = TASK_FILTERS;

/** Every command, with its arguments and options. */
export const COMMANDS: readonly Command[] = [
  {
    path: ["tasks", "list"],
    args: [],
    options: [...FILTER_OPTIONS, "page", "per-page"],
    summary: "list tasks, newest first",
    run: listTasks,
  },
  { path: ["tasks", "show"], args: ["task_uuid"], options: [], summary: "a task and its steps as a tree", run: showTask },
  {
    path: ["tasks", "watch"],
    args: ["task_uuid"],
    options: ["interval", "timeout"],
    summary: "follow a task until it ends (--timeout seconds, 600 by default; 0: no limit)",
    run: watchTask,
  },
  { path: ["tasks", "cancel"], args: ["task_uuid"], options: ["reason"], summary: "cancel a task", run: cancelTask },
  {
    path: ["tasks", "bulk"],
    args: ["action"],
    options: [...FILTER_OPTIONS, "reason", "yes", "detach", "interval"],
    summary: "retry-failed-steps | cancel | give-up | resolve on every matching task: a dry run, then --yes to run",
    run: bulk,
  },
  { path: ["tasks", "bulk", "status"], args: ["job_id"], options: [], summary: "a bulk job's progress", run: bulkStatus },
  { path: ["tasks", "bulk", "jobs"], args: [], options: ["limit"], summary: "recent bulk jobs", run: bulkJobs },
  { path: ["tasks", "bulk", "stop"], args: ["job_id"], options: [], summary: "stop a running bulk job", run: bulkStop },
  {
    path: ["steps", "retry"],
    args: ["task_uuid", "step"],
    options: ["reason", "by"],
    summary: "reset a failed step for retry",
    run: stepAction("retry"),
  },
  {
    path: ["steps", "resolve"],
    args: ["task_uuid", "step"],
    options: ["reason", "by"],
    summary: "resolve a step manually",
    run: stepAction("resolve"),
  },
  {
    path: ["steps", "complete"],
    args: ["task_uuid", "step"],
    options: ["reason", "by", "result"],
    summary: "complete a step with --result <json>",
    run: stepAction("complete"),
  },
  { path: ["templates", "list"], args: [], options: ["namespace"], summary: "list templates", run: listTemplates },
  {
    path: ["templates", "show"],
    args: ["namespace", "name", "version?"],
    options: [],
    summary: "a template's steps as a tree (newest version unless given)",
    run: showTemplate,
  },
  {
    path: ["templates", "validate"],
    args: ["file"],
    options: [],
    summary: "validate a YAML or JSON template file",
    run: validateTemplate,
  },
  {
    path: ["templates", "push"],
    args: ["file"],
    options: [],
    summary: "validate, then register a template file",
    run: pushTemplate,
  },
  {
    path: ["tasks", "pause"],
    args: ["task_uuid"],
    options: ["reason", "by"],
    summary: "pause a task: nothing new starts until it is resumed",
    run: taskControl("pause"),
  },
  {
    path: ["tasks", "resume"],
    args: ["task_uuid"],
    options: ["reason", "by"],
    summary: "resume a paused task where it was",
    run: taskControl("resume"),
  },
  {
    path: ["schedules", "list"],
    args: [],
    options: ["namespace", "template", "source", "paused", "page", "per-page"],
    summary: "list schedules, in id order",
    run: listSchedules,
  },
  {
    path: ["schedules", "show"],
    args: ["schedule_id"],
    options: [],
    summary: "a schedule and its latest fires",
    run: showSchedule,
  },
  {
    path: ["schedules", "create"],
    args: [],
    options: ["namespace", "template", "version", "name", "cron", "interval", "timezone", "context", "overlap", "catch-up"],
    summary: "schedule a template's tasks on --cron or --interval",
    run: createSchedule,
  },
  { path: ["schedules", "pause"], args: ["schedule_id"], options: [], summary: "pause a schedule", run: scheduleAction("pause") },
  {
    path: ["schedules", "resume"],
    args: ["schedule_id"],
    options: [],
    summary: "resume a schedule from its next fire after now",
    run: scheduleAction("resume"),
  },
  {
    path: ["schedules", "trigger"],
    args: ["schedule_id"],
    options: [],
    summary: "fire a schedule now, under its overlap policy",
    run: triggerSchedule,
  },
  {
    path: ["schedules", "delete"],
    args: ["schedule_id"],
    options: [],
    summary: "delete a schedule made through the API",
    run: deleteSchedule,
  },
  {
    path: ["events", "send"],
    args: ["name"],
    options: ["payload", "task", "correlation-id", "event-id"],
    summary: "send an event to the tasks waiting for it (or to --task)",
    run: sendEvent,
  },
];
