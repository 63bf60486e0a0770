// Event routes: an event for one task, and an event routed through the event index to every task waiting for it.
import { tasksCorrelatedWith, tasksWaitingFor } from "../catalog/event-waits";
import { ROUTES } from "../contract/routes";
import { isUuid } from "../engine/ids";
import { MAX_RESULT_BYTES } from "../shared/limits";
import { isRecord } from "../shared/values";
import { taskObject } from "../task-object/client";
import type { EventReceipt } from "../task-object/task-object";
import { actorOf, namespaceScope, requireVisibleTask } from "./auth";
import { readJson } from "./body";
import { ApiError, fromCatalog } from "./errors";
import { refuseDeepNesting } from "./nesting";
import type { RouteHandler, RouteHandlers } from "./routes";
import { answerOf } from "./task-object-errors";

/** Tasks an event is handed to at once while routing it. */
const ROUTING_PARALLELISM = 50;

/** JSON with object keys sorted: the same content always reads the same, whatever order its keys came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The id of an event sent without one: a digest of its name and payload, so a resent copy is recognised. */
async function derivedEventId(name: string, payload: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${name}\n${canonicalJson(payload)}`));
  return `sha256:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The payload becomes a step's result: the same bounds apply. */
function checkPayload(payload: unknown): void {
  refuseDeepNesting(payload, "payload");
  const bytes = new TextEncoder().encode(JSON.stringify(payload ?? null)).byteLength;
  if (bytes > MAX_RESULT_BYTES) {
    throw new ApiError(
      413,
      "payload_too_large",
      `payload is ${bytes} bytes; an event's payload becomes a step's result, at most ${MAX_RESULT_BYTES}`,
    );
  }
}

const sendTaskEvent: RouteHandler<typeof ROUTES.sendTaskEvent> = async (c, answer) => {
  const uuid = c.req.param("task_uuid");
  if (!isUuid(uuid)) throw new ApiError(400, "invalid_uuid", `${uuid} is not a valid task uuid`);
  const request = await readJson(c, ROUTES.sendTaskEvent.body.schema);
  checkPayload(request.payload);
  const stub = taskObject(c.env, uuid);
  await requireVisibleTask(c, stub, uuid);
  const eventId = request.event_id ?? (await derivedEventId(request.name, request.payload));
  const receipt = answerOf(
    await stub.sendEvent({ event_id: eventId, name: request.name, payload: request.payload, actor: actorOf(c) }),
  );
  return answer(receipt);
};

/**
 * Routes an event through the indexes, each limited to the caller's namespaces: a task outside them
 * is never looked up, so the answer never reveals it. Tasks that finished since they were indexed
 * are left out of the receipts.
 */
const sendEvent: RouteHandler<typeof ROUTES.sendEvent> = async (c, answer) => {
  const request = await readJson(c, ROUTES.sendEvent.body.schema);
  checkPayload(request.payload);
  const scope = namespaceScope(c);
  const { tasks, truncated } = await fromCatalog(
    request.correlation_id === undefined
      ? tasksWaitingFor(c.env.TASKER_DB, request.name, request.payload, scope)
      : tasksCorrelatedWith(c.env.TASKER_DB, request.correlation_id, scope),
  );
  const eventId = request.event_id ?? (await derivedEventId(request.name, request.payload));
  const actor = actorOf(c);
  const receipts: EventReceipt[] = [];
  for (let i = 0; i < tasks.length; i += ROUTING_PARALLELISM) {
    const answers = await Promise.all(
      tasks
        .slice(i, i + ROUTING_PARALLELISM)
        .map((uuid) =>
          taskObject(c.env, uuid).sendEvent({ event_id: eventId, name: request.name, payload: request.payload, actor }),
        ),
    );
    for (const result of answers) if (result.ok) receipts.push(result.value);
  }
  return answer({ event_id: eventId, name: request.name, receipts, truncated });
};

export const eventHandlers = { sendTaskEvent, sendEvent } satisfies RouteHandlers;
