// Keeps the schedules templates declare in step with the templates: created, updated and removed without anyone calling the API.
import { bundledTemplates, findTemplate, lookupTemplate } from "../catalog/find-template";
import { lastReconciliation, recordReconciliation, templateScheduleIds } from "../catalog/schedule-index";
import { canonicalJson, sha256Hex } from "../engine/identity";
import type { NamespaceScope } from "../engine/namespace-scope";
import { log } from "../log";
import type { TaskTemplate } from "../templates/types";
import { scheduleObject } from "./client";
import { type ScheduleConfig, templateScheduleId } from "./schedule-config";

/** The creator the tasks of a bundled template's schedules record. */
export const BUNDLED_SCHEDULE_CREATOR = "tasker-schedules";

/** Who registered a template through the API: its schedules start tasks as them, within their namespaces. */
export interface Registrant {
  name: string;
  namespaces: NamespaceScope;
}

function configsOf(template: TaskTemplate, creator: Registrant): ScheduleConfig[] {
  return (template.schedules ?? []).map((schedule) => ({
    schedule_id: templateScheduleId(template.namespace_name, template.name, schedule.name),
    name: schedule.name,
    namespace: template.namespace_name,
    template_name: template.name,
    template_version: template.version,
    source: "template",
    cron: schedule.cron,
    interval_seconds: schedule.interval_seconds,
    timezone: schedule.timezone,
    context: schedule.context,
    overlap: schedule.overlap,
    catch_up: schedule.catch_up,
    created_by: creator.name,
    namespace_scope: creator.namespaces === null ? null : [...creator.namespaces],
  }));
}

/**
 * Makes the schedules of one template those its newest version declares: each one's object is
 * configured (a no-op when unchanged), and schedules of older versions are removed. A newest
 * version registered through the API is reconciled by its registration, which knows the
 * registrant; without one (`registrant` null) it is left alone.
 */
export async function reconcileTemplateSchedules(
  env: Env,
  namespace: string,
  name: string,
  registrant: Registrant | null,
): Promise<void> {
  const newest = await findTemplate(env, namespace, name, null);
  let wanted: ScheduleConfig[] = [];
  if (newest) {
    const found = await lookupTemplate(env, namespace, name, newest.version);
    if (found?.origin === "registered" && registrant === null) return;
    wanted = configsOf(
      newest,
      found?.origin === "bundled" ? { name: BUNDLED_SCHEDULE_CREATOR, namespaces: null } : (registrant as Registrant),
    );
  }
  const existing = await templateScheduleIds(env.TASKER_DB, { namespace, name });
  for (const config of wanted) await scheduleObject(env, config.schedule_id).configure(config);
  const kept = new Set(wanted.map((config) => config.schedule_id));
  for (const { schedule_id } of existing) {
    if (!kept.has(schedule_id)) await scheduleObject(env, schedule_id).remove();
  }
}

/** What the bundled templates declare, as one hash: unchanged since the last reconciliation means nothing to do. */
async function bundledFingerprint(env: Env): Promise<string> {
  const declared = bundledTemplates(env)
    .list()
    .map((t) => [t.namespace_name, t.name, t.version, t.schedules ?? []]);
  return sha256Hex(canonicalJson(declared));
}

/**
 * Reconciles every template that declares schedules or did: the bundled ones, and those the index
 * holds template schedules of. Skipped (one D1 read) when the bundled declarations are those last
 * reconciled, so a deployment pays for it once, not per isolate.
 */
export async function reconcileBundledSchedules(env: Env): Promise<"unchanged" | "reconciled"> {
  const fingerprint = await bundledFingerprint(env);
  if ((await lastReconciliation(env.TASKER_DB)) === fingerprint) return "unchanged";
  const keys = new Map<string, { namespace: string; name: string }>();
  for (const t of bundledTemplates(env).list())
    keys.set(`${t.namespace_name}/${t.name}`, { namespace: t.namespace_name, name: t.name });
  for (const row of await templateScheduleIds(env.TASKER_DB)) {
    keys.set(`${row.namespace}/${row.template_name}`, { namespace: row.namespace, name: row.template_name });
  }
  for (const { namespace, name } of keys.values()) await reconcileTemplateSchedules(env, namespace, name, null);
  await recordReconciliation(env.TASKER_DB, fingerprint, Date.now());
  log("info", "schedules.reconciled", { templates: keys.size });
  return "reconciled";
}

const reconciled = new WeakMap<object, Promise<unknown>>();
const settled = new WeakSet<object>();

/**
 * Reconciles the bundled templates' schedules once per isolate and database (the first request
 * waits for it; a failure is logged, not cached, and the next request tries again). Once it has
 * succeeded the answer is `null`, with nothing to await, so later requests pay nothing for it.
 */
export function ensureTemplateSchedules(env: Env): Promise<void> | null {
  if (settled.has(env.TASKER_DB)) return null;
  let pending = reconciled.get(env.TASKER_DB);
  if (!pending) {
    pending = reconcileBundledSchedules(env);
    reconciled.set(env.TASKER_DB, pending);
    pending.then(
      () => settled.add(env.TASKER_DB),
      () => reconciled.delete(env.TASKER_DB),
    );
  }
  return pending.then(
    () => undefined,
    (error: unknown) => log("error", "schedules.reconcile_failed", { error: String(error) }),
  );
}
