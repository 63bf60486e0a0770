// Webhooks at the API: the endpoints a submission or a registration names are checked against this deployment, and a task's deliveries are listed.
import type { Context } from "hono";
import type { ROUTES } from "../contract/routes";
import { isUuid } from "../engine/ids";
import { type WebhookEndpoint, webhookUrlProblem } from "../shared/webhooks";
import { taskObject } from "../task-object/client";
import { loopbackAllowed, webhookSecret } from "../task-object/webhook-sender";
import { requireVisibleTask } from "./auth";
import { ApiError } from "./errors";
import type { RouteHandler, RouteHandlers } from "./routes";
import { answerOf } from "./task-object-errors";

export interface WebhookProblem {
  path: string;
  message: string;
}

/** What keeps each endpoint from being called by this deployment: a URL it refuses, a secret it lacks. */
export function webhookProblems(env: unknown, endpoints: readonly WebhookEndpoint[], at: string): WebhookProblem[] {
  const allowLoopback = loopbackAllowed(env);
  return endpoints.flatMap((endpoint, index) => {
    const problems: WebhookProblem[] = [];
    const urlProblem = webhookUrlProblem(endpoint.url, { allowLoopback });
    if (urlProblem !== null) problems.push({ path: `${at}[${index}].url`, message: urlProblem });
    if (webhookSecret(env, endpoint.secret) === null) {
      problems.push({
        path: `${at}[${index}].secret`,
        message: `names the Worker secret ${endpoint.secret}, which this Worker does not have (wrangler secret put ${endpoint.secret})`,
      });
    }
    return problems;
  });
}

/** Refuses (400 `invalid_webhook`) endpoints this deployment could never call, before anything is stored. */
export function requireCallableWebhooks(
  env: unknown,
  lists: readonly { at: string; endpoints: readonly WebhookEndpoint[] }[],
): void {
  const problems = lists.flatMap(({ at, endpoints }) => webhookProblems(env, endpoints, at));
  if (problems.length > 0) {
    throw new ApiError(
      400,
      "invalid_webhook",
      `${problems.length} webhook problem(s): ${problems[0]?.path} ${problems[0]?.message}`,
      problems,
    );
  }
}

const listDeliveries: RouteHandler<typeof ROUTES.listDeliveries> = async (c: Context, answer) => {
  const uuid = c.req.param("task_uuid") ?? "";
  if (!isUuid(uuid)) throw new ApiError(400, "invalid_uuid", `${uuid} is not a valid task uuid`);
  const stub = taskObject(c.env, uuid);
  await requireVisibleTask(c, stub, uuid);
  return answer({ task_uuid: uuid, deliveries: answerOf(await stub.listDeliveries()) });
};

/** The webhook operations of the routes table. */
export const webhookHandlers = { listDeliveries } satisfies RouteHandlers;
