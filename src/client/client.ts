// createClient: a typed TaskerClient over the REST API (tasks and their list, steps, operator actions, events, templates, schedules, bulk jobs, health).
import { type ClientOptions, createTransport, type Query, seg } from "./http";
import type {
  BulkDryRun,
  BulkJobList,
  BulkJobRequest,
  BulkJobView,
  CompletionData,
  EventReceipt,
  EventRouting,
  HealthResponse,
  RoutedEvent,
  ScheduleDeleted,
  ScheduleList,
  ScheduleListFilters,
  ScheduleRequest,
  ScheduleTrigger,
  ScheduleView,
  StepAuditResponse,
  StepGraph,
  StepsResponse,
  StepView,
  TaskControl,
  TaskEvent,
  TaskList,
  TaskListFilters,
  TaskRequest,
  TaskView,
  TemplateDetail,
  TemplateList,
  TemplateRegistration,
  TemplateValidation,
  TransitionsResponse,
  TransitionView,
  WaitOptions,
  WebhookDeliveries,
  WebhookDelivery,
} from "./types";
import { pollTask } from "./wait";

export interface TaskerClient {
  /** `POST /v1/tasks`; a repeat of an existing identity throws `TaskerApiError` 409 `duplicate_task`. */
  createTask(request: TaskRequest): Promise<TaskView>;
  getTask(taskUuid: string): Promise<TaskView>;
  /** `GET /v1/tasks`: one page of tasks from the index, newest first. The index trails each task by a moment. */
  listTasks(filters?: TaskListFilters): Promise<TaskList>;
  /** `DELETE /v1/tasks/{uuid}`: the cancelled task. */
  cancelTask(taskUuid: string, reason?: string): Promise<TaskView>;
  /** `POST /v1/tasks/{uuid}/pause`: nothing new is dispatched until it is resumed; steps in flight finish. */
  pauseTask(taskUuid: string, control: TaskControl): Promise<TaskView>;
  /** `POST /v1/tasks/{uuid}/resume`: the paused task goes on where it was. */
  resumeTask(taskUuid: string, control: TaskControl): Promise<TaskView>;
  taskTransitions(taskUuid: string): Promise<TransitionView[]>;
  /** `GET /v1/tasks/{uuid}/deliveries`: the task's webhook deliveries, newest first, each with its attempts. */
  listDeliveries(taskUuid: string): Promise<WebhookDelivery[]>;
  /** Every step of the task, in creation order, read page by page (1,000 per request). */
  listSteps(taskUuid: string): Promise<StepView[]>;
  /** `GET /v1/tasks/{uuid}/workflow_steps`: one page of steps with its `pagination`. */
  listStepsPage(
    taskUuid: string,
    page?: { page?: number; perPage?: number; batch?: string; state?: StepView["current_state"] },
  ): Promise<StepsResponse>;
  /** `GET /v1/tasks/{uuid}/step_graph`: every step but the batch workers, and each batch's worker count per state. */
  stepGraph(taskUuid: string): Promise<StepGraph>;
  getStep(taskUuid: string, stepUuid: string): Promise<StepView>;
  stepAudit(taskUuid: string, stepUuid: string): Promise<TransitionView[]>;
  /** `reset_for_retry`: a failed step runs again from scratch. */
  resetStep(taskUuid: string, stepUuid: string, reason: string, resetBy: string): Promise<StepView>;
  /** `resolve_manually`: the step counts as done, without a result. */
  resolveStep(taskUuid: string, stepUuid: string, reason: string, resolvedBy: string): Promise<StepView>;
  /** `complete_manually`: the step completes with `completionData.result`, which dependents read. */
  completeStep(
    taskUuid: string,
    stepUuid: string,
    completionData: CompletionData,
    reason: string,
    completedBy: string,
  ): Promise<StepView>;
  /** Ends a blocked task as `error`. */
  giveUpTask(taskUuid: string, reason: string, performedBy: string): Promise<TaskView>;
  /** Ends a blocked task as `resolved_manually`. */
  resolveTask(taskUuid: string, reason: string, performedBy: string): Promise<TaskView>;
  listTemplates(namespace?: string): Promise<TemplateList>;
  getTemplate(namespace: string, name: string, version: string): Promise<TemplateDetail>;
  /**
   * `PUT /v1/templates/{namespace}/{name}/{version}`: a string is sent as YAML, an object as JSON.
   * Sending a registered version again is fine when the content is the same; other content throws
   * `TaskerApiError` 409 `template_version_exists`, and an invalid template 400 `invalid_template`
   * with the problems in `details`.
   */
  registerTemplate(
    namespace: string,
    name: string,
    version: string,
    template: string | Record<string, unknown>,
  ): Promise<TemplateRegistration>;
  /** `POST /v1/templates/validate`: every problem with its key path, nothing stored. */
  validateTemplate(template: string | Record<string, unknown>): Promise<TemplateValidation>;
  /** `POST /v1/tasks/{uuid}/events`: a step waiting for it takes it, or the task keeps it; a repeat is a `duplicate`. */
  sendTaskEvent(taskUuid: string, event: TaskEvent): Promise<EventReceipt>;
  /** `POST /v1/events`: the event goes to every task waiting for it (or of its `correlation_id`) that the caller may see. */
  sendEvent(event: RoutedEvent): Promise<EventRouting>;
  health(): Promise<HealthResponse>;
  /** Polls `getTask` until the status is in `until` (default: terminal or blocked_by_failures), or throws `TaskerTimeoutError`. */
  waitForTask(taskUuid: string, options?: WaitOptions): Promise<TaskView>;
  /** `POST /v1/bulk-jobs` with `dry_run`: how many tasks the job would act on, changing nothing. */
  bulkDryRun(request: BulkJobRequest): Promise<BulkDryRun>;
  /** `POST /v1/bulk-jobs`: starts the job (202); follow it with `getBulkJob`. */
  startBulkJob(request: BulkJobRequest): Promise<BulkJobView>;
  getBulkJob(jobId: string): Promise<BulkJobView>;
  /** Recent bulk jobs, newest first (at most `limit`, 20 by default). */
  listBulkJobs(limit?: number): Promise<BulkJobList>;
  /** Stops a running job; throws `TaskerApiError` 409 `job_finished` once it has ended. */
  cancelBulkJob(jobId: string): Promise<BulkJobView>;
  /** `GET /v1/schedules`: one page of schedules from the index, in id order. */
  listSchedules(filters?: ScheduleListFilters): Promise<ScheduleList>;
  /** `GET /v1/schedules/{id}`: the schedule with its latest fires; `id` is `<namespace>.<name>`. */
  getSchedule(scheduleId: string): Promise<ScheduleView>;
  /** `POST /v1/schedules`; a name already used in the namespace throws `TaskerApiError` 409. */
  createSchedule(request: ScheduleRequest): Promise<ScheduleView>;
  /** No fire until it is resumed. */
  pauseSchedule(scheduleId: string): Promise<ScheduleView>;
  /** Fires again from its next fire time after now. */
  resumeSchedule(scheduleId: string): Promise<ScheduleView>;
  /** Fires now under its overlap policy: `outcome` says whether a task (`task_uuid`) started. */
  triggerSchedule(scheduleId: string): Promise<ScheduleTrigger>;
  /** Deletes a schedule made through the API; a template's schedule throws `TaskerApiError` 409. */
  deleteSchedule(scheduleId: string): Promise<ScheduleDeleted>;
}

export function createClient(options: ClientOptions): TaskerClient {
  const http = createTransport(options);
  const task = (uuid: string) => `/v1/tasks/${seg(uuid)}`;
  const schedule = (id: string) => `/v1/schedules/${seg(id)}`;
  const step = (uuid: string, stepUuid: string) => `${task(uuid)}/workflow_steps/${seg(stepUuid)}`;
  const stepsPage = (uuid: string, page: number, perPage: number, only: { batch?: string; state?: string } = {}) =>
    http.request<StepsResponse>("GET", `${task(uuid)}/workflow_steps`, {
      query: { page: String(page), per_page: String(perPage), ...only },
    });
  const stepAction = (uuid: string, stepUuid: string, body: Record<string, unknown>) =>
    http.request<StepView>("PATCH", step(uuid, stepUuid), { body });
  const templateBody = (template: string | Record<string, unknown>) =>
    typeof template === "string" ? { text: { body: template, contentType: "application/yaml" } } : { body: template };
  const taskAction = (uuid: string, action_type: "give_up" | "resolve_manually", reason: string, performed_by: string) =>
    http.request<TaskView>("PATCH", task(uuid), { body: { action_type, reason, performed_by } });

  const client: TaskerClient = {
    createTask: (request) => http.request<TaskView>("POST", "/v1/tasks", { body: request }),
    getTask: (uuid) => http.request<TaskView>("GET", task(uuid)),
    listTasks: (filters = {}) => http.request<TaskList>("GET", "/v1/tasks", { query: listQuery(filters) }),
    cancelTask: (uuid, reason) => http.request<TaskView>("DELETE", task(uuid), reason === undefined ? {} : { body: { reason } }),
    pauseTask: (uuid, control) => http.request<TaskView>("POST", `${task(uuid)}/pause`, { body: control }),
    resumeTask: (uuid, control) => http.request<TaskView>("POST", `${task(uuid)}/resume`, { body: control }),
    taskTransitions: async (uuid) => (await http.request<TransitionsResponse>("GET", `${task(uuid)}/transitions`)).transitions,
    listDeliveries: async (uuid) => (await http.request<WebhookDeliveries>("GET", `${task(uuid)}/deliveries`)).deliveries,
    listSteps: async (uuid) => {
      const steps: StepView[] = [];
      for (let page = 1; ; page++) {
        const response = await stepsPage(uuid, page, 1_000);
        steps.push(...response.steps);
        if (!response.pagination.has_next) return steps;
      }
    },
    listStepsPage: (uuid, { page = 1, perPage = 500, ...only } = {}) => stepsPage(uuid, page, perPage, only),
    stepGraph: (uuid) => http.request<StepGraph>("GET", `${task(uuid)}/step_graph`),
    getStep: (uuid, stepUuid) => http.request<StepView>("GET", step(uuid, stepUuid)),
    stepAudit: async (uuid, stepUuid) =>
      (await http.request<StepAuditResponse>("GET", `${step(uuid, stepUuid)}/audit`)).transitions,
    resetStep: (uuid, stepUuid, reason, reset_by) =>
      stepAction(uuid, stepUuid, { action_type: "reset_for_retry", reason, reset_by }),
    resolveStep: (uuid, stepUuid, reason, resolved_by) =>
      stepAction(uuid, stepUuid, { action_type: "resolve_manually", reason, resolved_by }),
    completeStep: (uuid, stepUuid, completion_data, reason, completed_by) =>
      stepAction(uuid, stepUuid, { action_type: "complete_manually", completion_data, reason, completed_by }),
    giveUpTask: (uuid, reason, performedBy) => taskAction(uuid, "give_up", reason, performedBy),
    resolveTask: (uuid, reason, performedBy) => taskAction(uuid, "resolve_manually", reason, performedBy),
    listTemplates: (namespace) => http.request<TemplateList>("GET", "/v1/templates", { query: { namespace } }),
    getTemplate: (namespace, name, version) =>
      http.request<TemplateDetail>("GET", `/v1/templates/${seg(namespace)}/${seg(name)}/${seg(version)}`),
    registerTemplate: async (namespace, name, version, template) => {
      const path = `/v1/templates/${seg(namespace)}/${seg(name)}/${seg(version)}`;
      const { status, body } = await http.exchange<TemplateDetail>("PUT", path, templateBody(template));
      return { created: status === 201, template: body };
    },
    validateTemplate: (template) => http.request<TemplateValidation>("POST", "/v1/templates/validate", templateBody(template)),
    sendTaskEvent: (uuid, event) => http.request<EventReceipt>("POST", `${task(uuid)}/events`, { body: event }),
    sendEvent: (event) => http.request<EventRouting>("POST", "/v1/events", { body: event }),
    health: () => http.request<HealthResponse>("GET", "/health"),
    waitForTask: (uuid, waitOptions) => pollTask(client.getTask, uuid, waitOptions),
    bulkDryRun: (request) => http.request<BulkDryRun>("POST", "/v1/bulk-jobs", { body: { ...request, dry_run: true } }),
    startBulkJob: (request) => http.request<BulkJobView>("POST", "/v1/bulk-jobs", { body: { ...request, dry_run: false } }),
    getBulkJob: (jobId) => http.request<BulkJobView>("GET", `/v1/bulk-jobs/${seg(jobId)}`),
    listBulkJobs: (limit) =>
      http.request<BulkJobList>("GET", "/v1/bulk-jobs", { query: { limit: limit === undefined ? undefined : String(limit) } }),
    cancelBulkJob: (jobId) => http.request<BulkJobView>("POST", `/v1/bulk-jobs/${seg(jobId)}/cancel`),
    listSchedules: (filters = {}) => http.request<ScheduleList>("GET", "/v1/schedules", { query: listQuery(filters) }),
    getSchedule: (id) => http.request<ScheduleView>("GET", schedule(id)),
    createSchedule: (request) => http.request<ScheduleView>("POST", "/v1/schedules", { body: request }),
    pauseSchedule: (id) => http.request<ScheduleView>("POST", `${schedule(id)}/pause`),
    resumeSchedule: (id) => http.request<ScheduleView>("POST", `${schedule(id)}/resume`),
    triggerSchedule: (id) => http.request<ScheduleTrigger>("POST", `${schedule(id)}/trigger`),
    deleteSchedule: (id) => http.request<ScheduleDeleted>("DELETE", schedule(id)),
  };
  return client;
}

/** The query string of a listing: Dates as ISO 8601, numbers and booleans as text, absent filters left out. */
function listQuery(filters: TaskListFilters | ScheduleListFilters): Query {
  const query: Query = {};
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    query[key] = value instanceof Date ? value.toISOString() : String(value);
  }
  return query;
}
