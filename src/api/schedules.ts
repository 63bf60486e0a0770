// Schedule routes: create, list, read, pause, resume, delete and trigger now, each within the caller's namespaces.
import type { Context } from "hono";
import { findTemplate } from "../catalog/find-template";
import { queryScheduleIndex, removeScheduleIndex } from "../catalog/schedule-index";
import type { ROUTES } from "../contract/routes";
import { ROUTES as TABLE } from "../contract/routes";
import { log } from "../log";
import { type ScheduleObjectClient, scheduleObject } from "../schedules/client";
import { apiScheduleId, SCHEDULE_ID_PATTERN, type ScheduleConfig } from "../schedules/schedule-config";
import { MAX_CONTEXT_BYTES } from "../shared/limits";
import { validateContext } from "../templates/input-schema";
import { timingOf } from "../templates/schedule-spec";
import { canSeeNamespace, namespaceScope, principalOf, requireNamespace } from "./auth";
import { readJson } from "./body";
import { ApiError, fromCatalog, notFound } from "./errors";
import { refuseDeepNesting } from "./nesting";
import { pageRequest, paginationInfo } from "./pagination";
import { readQuery } from "./query-string";
import type { RouteHandler, RouteHandlers } from "./routes";
import { requireWithinStepCeiling } from "./step-ceiling";
import { requireWorkflowScope } from "./workflow-scope";

/**
 * A schedule's object, once the caller may see it. Its id starts with its namespace, so a schedule
 * outside the caller's namespaces answers the same 404 as a missing one without a lookup.
 */
function visibleSchedule(c: Context, scheduleId: string): ScheduleObjectClient {
  if (!SCHEDULE_ID_PATTERN.test(scheduleId)) {
    throw new ApiError(400, "invalid_schedule_id", `${scheduleId} is not a schedule id (<namespace>.<name>)`);
  }
  const namespace = scheduleId.slice(0, scheduleId.indexOf("."));
  if (!canSeeNamespace(c, namespace)) throw notFound("schedule", scheduleId);
  return scheduleObject(c.env, scheduleId);
}

/** The object's answer, or 404; an index row left by an interrupted delete is removed on the way. */
async function found<T>(c: Context, scheduleId: string, answer: T | null): Promise<T> {
  if (answer !== null) return answer;
  await removeScheduleIndex(c.env.TASKER_DB, scheduleId).catch(() => undefined);
  throw notFound("schedule", scheduleId);
}

const createSchedule: RouteHandler<typeof ROUTES.createSchedule> = async (c, answer) => {
  const request = await readJson(c, TABLE.createSchedule.body.schema);
  requireNamespace(c, request.namespace);
  const context = request.context ?? {};
  refuseDeepNesting(context, "context");
  const contextBytes = new TextEncoder().encode(JSON.stringify(context)).byteLength;
  if (contextBytes > MAX_CONTEXT_BYTES) {
    throw new ApiError(413, "context_too_large", `context is ${contextBytes} bytes; the limit is ${MAX_CONTEXT_BYTES}`);
  }
  const template = await fromCatalog(
    findTemplate(c.env, request.namespace, request.template_name, request.template_version ?? null),
  );
  if (!template) {
    const which = request.template_version === undefined ? "any version of " : "";
    const version = request.template_version === undefined ? "" : `@${request.template_version}`;
    throw new ApiError(404, "template_not_found", `no template ${which}${request.namespace}/${request.template_name}${version}`);
  }
  requireWithinStepCeiling(c.env, template);
  await requireWorkflowScope(c, template);
  const violations = validateContext(template, context);
  if (violations.length > 0) {
    throw new ApiError(400, "invalid_context", "context does not match the template's input_schema", violations);
  }
  const principal = principalOf(c);
  const config: ScheduleConfig = {
    schedule_id: apiScheduleId(request.namespace, request.name),
    name: request.name,
    namespace: request.namespace,
    template_name: request.template_name,
    template_version: request.template_version ?? null,
    source: "api",
    ...timingOf(request),
    context,
    overlap: request.overlap ?? "skip",
    catch_up: request.catch_up ?? 1,
    created_by: principal.name,
    namespace_scope: principal.namespaces === null ? null : [...principal.namespaces],
  };
  const { created, schedule } = await scheduleObject(c.env, config.schedule_id).create(
    config,
    request.paused ?? false,
    principal.name,
  );
  if (!created) {
    throw new ApiError(409, "schedule_exists", `a schedule ${config.schedule_id} already exists`, {
      schedule_id: config.schedule_id,
    });
  }
  return answer(schedule, 201);
};

/** Lists schedules from the index: each object writes its row when it changes, so nothing visits every object. */
const listSchedules: RouteHandler<typeof ROUTES.listSchedules> = async (c, answer) => {
  const { page: pageNumber, per_page, paused, ...filters } = readQuery(c, TABLE.listSchedules.query);
  const page = pageRequest({ page: pageNumber, per_page });
  const { schedules, total } = await fromCatalog(
    queryScheduleIndex(
      c.env.TASKER_DB,
      { ...filters, paused: paused === undefined ? undefined : paused === "true" },
      { offset: page.offset, limit: page.per_page },
      namespaceScope(c),
    ),
  );
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return answer({
    schedules: schedules.map(({ revision: _revision, ...row }) => ({
      ...row,
      overlap: row.overlap as "skip" | "allow" | "buffer_one",
      next_fire_at: iso(row.next_fire_at),
      last_fire_at: iso(row.last_fire_at),
      created_at: new Date(row.created_at).toISOString(),
      updated_at: new Date(row.updated_at).toISOString(),
    })),
    pagination: paginationInfo(page, total),
  });
};

const getSchedule: RouteHandler<typeof ROUTES.getSchedule> = async (c, answer) => {
  const id = c.req.param("schedule_id");
  return answer(await found(c, id, await visibleSchedule(c, id).get()));
};

const deleteSchedule: RouteHandler<typeof ROUTES.deleteSchedule> = async (c, answer) => {
  const id = c.req.param("schedule_id");
  const stub = visibleSchedule(c, id);
  const schedule = await found(c, id, await stub.get());
  if (schedule.source === "template") {
    throw new ApiError(
      409,
      "schedule_declared_in_template",
      `${id} is declared by template ${schedule.namespace}/${schedule.template_name}: pause it, or remove it from the template`,
    );
  }
  await stub.remove();
  return answer({ schedule_id: id, deleted: true });
};

const pauseSchedule: RouteHandler<typeof ROUTES.pauseSchedule> = async (c, answer) => {
  const id = c.req.param("schedule_id");
  return answer(await found(c, id, await visibleSchedule(c, id).pause(principalOf(c).name)));
};

const resumeSchedule: RouteHandler<typeof ROUTES.resumeSchedule> = async (c, answer) => {
  const id = c.req.param("schedule_id");
  return answer(await found(c, id, await visibleSchedule(c, id).resume()));
};

const triggerSchedule: RouteHandler<typeof ROUTES.triggerSchedule> = async (c, answer) => {
  const id = c.req.param("schedule_id");
  const stub = visibleSchedule(c, id);
  let result: Awaited<ReturnType<ScheduleObjectClient["trigger"]>>;
  try {
    result = await stub.trigger(principalOf(c).name);
  } catch (error) {
    log("error", "schedule.trigger_failed", { schedule_id: id, error: String(error) });
    throw new ApiError(503, "schedule_unavailable", "the schedule could not start its task; try again shortly");
  }
  const triggered = await found(c, id, result);
  if (triggered.outcome === "missed") throw new Error("a manual fire is never missed");
  return answer({ ...triggered, outcome: triggered.outcome });
};

/** The schedule operations of the routes table. */
export const scheduleHandlers = {
  listSchedules,
  createSchedule,
  getSchedule,
  deleteSchedule,
  pauseSchedule,
  resumeSchedule,
  triggerSchedule,
} satisfies RouteHandlers;
