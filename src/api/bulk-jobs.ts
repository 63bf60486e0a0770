// Bulk job routes: count the tasks a filter matches, start a job over them, follow it, cancel it.
import type { Context } from "hono";
import type { BulkJobObject, BulkJobPlan, BulkJobView } from "../bulk-jobs/bulk-job-object";
import { listBulkJobs } from "../catalog/bulk-jobs";
import { matchTaskIndex } from "../catalog/task-index";
import { BULK_ACTION_PERMISSIONS, type BulkAction } from "../contract/permissions";
import { ROUTES } from "../contract/routes";
import { isUuid } from "../engine/ids";
import { actorOf, namespaceScope, principalOf } from "./auth";
import { readJson } from "./body";
import { ApiError, fromCatalog, notFound } from "./errors";
import { grants, type NamespaceScope } from "./permissions";
import { readQuery } from "./query-string";
import type { RouteHandler, RouteHandlers } from "./routes";

/** Task uuids a dry run shows as a sample of what would be touched. */
export const DRY_RUN_SAMPLE = 10;

type BulkJobClient = Pick<BulkJobObject, "view" | "scope"> & {
  start(plan: BulkJobPlan): Promise<BulkJobView>;
  cancel(...args: Parameters<BulkJobObject["cancel"]>): ReturnType<BulkJobObject["cancel"]>;
};

function bulkJobMissing(): never {
  throw new ApiError(
    503,
    "bulk_jobs_unavailable",
    "the BULK_JOBS Durable Object binding is missing: bind the BulkJobObject class (see docs/orchestrator.md)",
  );
}

function jobStub(env: Env, jobId: string): BulkJobClient {
  // Optional at run time: an orchestrator deployed before bulk jobs existed may not bind it yet.
  const namespace = (env as Partial<Pick<Env, "BULK_JOBS">>).BULK_JOBS;
  if (namespace === undefined) bulkJobMissing();
  return namespace.getByName(jobId) as unknown as BulkJobClient;
}

/** 403 unless the caller holds the permission the action repeats on each task. */
function requireActionPermission(c: Context, action: BulkAction): void {
  const principal = principalOf(c);
  const needed = BULK_ACTION_PERMISSIONS[action];
  if (!grants(principal.permissions, needed)) {
    throw new ApiError(403, "forbidden", `${principal.name} lacks the ${needed} permission that ${action} needs`, {
      required_permission: needed,
    });
  }
}

/** Whether a caller of scope `caller` may see a job created with scope `job`: the job's namespaces must lie within the caller's. */
function coversScope(caller: NamespaceScope, job: NamespaceScope): boolean {
  if (caller === null) return true;
  return job?.every((namespace) => caller.includes(namespace)) ?? false;
}

/** The job, once the caller may see it (404 for a job outside the caller's namespaces, as for a missing one). */
async function visibleJob(c: Context, jobId: string): Promise<{ stub: BulkJobClient; action: BulkAction }> {
  if (!isUuid(jobId)) throw new ApiError(400, "invalid_uuid", `${jobId} is not a valid bulk job id`);
  const stub = jobStub(c.env, jobId);
  const scope = await stub.scope();
  if (scope === null || !coversScope(namespaceScope(c), scope.namespaces)) throw notFound("bulk_job", jobId);
  return { stub, action: scope.action };
}

const createBulkJob: RouteHandler<typeof ROUTES.createBulkJob> = async (c, answer) => {
  const request = await readJson(c, ROUTES.createBulkJob.body.schema);
  requireActionPermission(c, request.action);
  const scope = namespaceScope(c);
  const match = await fromCatalog(matchTaskIndex(c.env.TASKER_DB, request.filter, scope, DRY_RUN_SAMPLE));
  if (request.dry_run) {
    const { created_after, created_before, ...rest } = request.filter;
    const filter = {
      ...rest,
      ...(created_after === undefined ? {} : { created_after: new Date(created_after).toISOString() }),
      ...(created_before === undefined ? {} : { created_before: new Date(created_before).toISOString() }),
    };
    return answer({ dry_run: true, action: request.action, filter, matched: match.matched, sample: match.sample }, 200);
  }
  const jobId = crypto.randomUUID();
  const view = await jobStub(c.env, jobId).start({
    job_id: jobId,
    action: request.action,
    reason: request.reason,
    filter: request.filter,
    actor: actorOf(c),
    namespaces: scope,
    matched: match.matched,
    upper_bound: match.newest,
  });
  c.header("Location", `/v1/bulk-jobs/${jobId}`);
  return answer(view, 202);
};

const listBulkJobsRoute: RouteHandler<typeof ROUTES.listBulkJobs> = async (c, answer) => {
  const { limit } = readQuery(c, ROUTES.listBulkJobs.query);
  return answer({ jobs: await fromCatalog(listBulkJobs(c.env.TASKER_DB, namespaceScope(c), limit)) });
};

const getBulkJob: RouteHandler<typeof ROUTES.getBulkJob> = async (c, answer) => {
  const jobId = c.req.param("job_id");
  const { stub } = await visibleJob(c, jobId);
  const view = await stub.view();
  if (view === null) throw notFound("bulk_job", jobId);
  return answer(view);
};

const cancelBulkJob: RouteHandler<typeof ROUTES.cancelBulkJob> = async (c, answer) => {
  const jobId = c.req.param("job_id");
  const { stub, action } = await visibleJob(c, jobId);
  requireActionPermission(c, action);
  const cancelled = await stub.cancel(actorOf(c));
  if (!cancelled.ok) {
    throw new ApiError(409, "job_finished", `bulk job ${jobId} is already ${cancelled.status}`, { status: cancelled.status });
  }
  return answer(cancelled.view);
};

/** The bulk job operations of the routes table. */
export const bulkJobHandlers = {
  createBulkJob,
  listBulkJobs: listBulkJobsRoute,
  getBulkJob,
  cancelBulkJob,
} satisfies RouteHandlers;
