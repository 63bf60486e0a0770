// The one template lookup: the orchestrator's own templates first, then registered ones (D1), cached per isolate.
import { configOf } from "../orchestrator/config";
import { compareVersions, type TemplateRegistry } from "../templates/registry";
import type { TaskTemplate } from "../templates/types";
import { getRegisteredTemplate, listRegisteredNamespaces, listRegisteredVersions, type RegisteredTemplate } from "./templates";

export type CatalogEnv = Pick<Env, "TASKER_DB">;

export type FoundTemplate = { origin: "bundled"; template: TaskTemplate } | ({ origin: "registered" } & RegisteredTemplate);

/** The templates the orchestrator was built with (`createOrchestrator({ templates })`), listed as `bundled`. */
export function bundledTemplates(env: object): TemplateRegistry {
  return configOf(env).templates;
}

// A registered version never changes, so a hit can be kept for the isolate's life; misses are not
// kept, since the version may be registered a moment later.
const MAX_CACHED = 256;
const registeredCache = new Map<string, RegisteredTemplate>();
const cacheKey = (namespace: string, name: string, version: string) => JSON.stringify([namespace, name, version]);

/** A template with where it comes from (and, for a registered one, its hash and registration). */
export async function lookupTemplate(
  env: CatalogEnv,
  namespace: string,
  name: string,
  version: string,
): Promise<FoundTemplate | undefined> {
  const shipped = bundledTemplates(env).get(namespace, name, version);
  if (shipped) return { origin: "bundled", template: shipped };
  const key = cacheKey(namespace, name, version);
  let record = registeredCache.get(key);
  if (!record) {
    record = (await getRegisteredTemplate(env.TASKER_DB, namespace, name, version)) ?? undefined;
    if (!record) return undefined;
    if (registeredCache.size >= MAX_CACHED) registeredCache.clear();
    registeredCache.set(key, record);
  }
  return { origin: "registered", ...record };
}

/** The namespaces holding a template of this name, bundled or registered, sorted. */
export async function namespacesHolding(env: CatalogEnv, name: string): Promise<string[]> {
  const shipped = bundledTemplates(env)
    .list()
    .filter((t) => t.name === name)
    .map((t) => t.namespace_name);
  const registered = await listRegisteredNamespaces(env.TASKER_DB, name);
  return [...new Set([...shipped, ...registered])].sort();
}

/** Whether a semver version is a pre-release (`1.10.0-rc.1`; build metadata after `+` does not count). */
function isPrerelease(version: string): boolean {
  return /^[^-+]*-/.test(version);
}

/**
 * The newest version of a template among bundled and registered ones, in semver order
 * (`compareVersions`): the newest release, or the newest pre-release when there is no release, so
 * registering `2.0.0-rc.1` does not move callers who name no version onto it.
 */
async function newestVersion(env: CatalogEnv, namespace: string, name: string): Promise<string | undefined> {
  const shipped = bundledTemplates(env)
    .list({ namespace })
    .filter((t) => t.name === name)
    .map((t) => t.version);
  const registered = await listRegisteredVersions(env.TASKER_DB, namespace, name);
  const versions = [...shipped, ...registered].sort(compareVersions);
  return versions.filter((version) => !isPrerelease(version)).at(-1) ?? versions.at(-1);
}

/**
 * The template a task of (namespace, name, version) runs, bundled or registered, or undefined; a
 * `null` version means the newest one. Used by `POST /v1/tasks` and by a task object starting a
 * sub-workflow's child task.
 */
export async function findTemplate(
  env: CatalogEnv,
  namespace: string,
  name: string,
  version: string | null,
): Promise<TaskTemplate | undefined> {
  const exact = version ?? (await newestVersion(env, namespace, name));
  if (exact === undefined) return undefined;
  return (await lookupTemplate(env, namespace, name, exact))?.template;
}
