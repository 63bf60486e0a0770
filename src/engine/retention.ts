// How long a finished task is kept before its storage is purged: the setting's language and its resolution. Pure.
import { MAX_RETENTION_DAYS } from "../shared/limits";

export { MAX_RETENTION_DAYS };

/** A retention in whole days after the task ends, or `forever` (never purged). */
export type Retention = number | "forever";

/** Kept this long when nothing more specific is configured. */
export const DEFAULT_RETENTION_DAYS = 30;
export const KEEP_FOREVER = "forever";
export const DAY_MS = 86_400_000;

/** The settings a task's retention is chosen from, most specific first. */
export interface RetentionSettings {
  /** The template's `retention_days`. */
  template?: Retention | undefined;
  /** The operator's setting for the task's namespace. */
  namespace?: Retention | undefined;
  /** The operator's default for every namespace. */
  fallback?: Retention | undefined;
}

/** The template's key wins, then the namespace's setting, then the default setting, then 30 days. */
export function resolveRetention(settings: RetentionSettings): Retention {
  return settings.template ?? settings.namespace ?? settings.fallback ?? DEFAULT_RETENTION_DAYS;
}

/** When a task that ended at `endedAt` is purged; null: never. */
export function purgeDueAt(endedAt: number, retention: Retention): number | null {
  return retention === KEEP_FOREVER ? null : endedAt + retention * DAY_MS;
}

/** A retention from text or a number (`30`, `"30"`, `"forever"`); undefined when malformed. */
export function parseRetention(value: unknown): Retention | undefined {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim().toLowerCase() : "";
  if (text === KEEP_FOREVER) return KEEP_FOREVER;
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const days = Number(text);
  return days <= MAX_RETENTION_DAYS ? days : undefined;
}

/** What a retention setting must look like, for error messages. */
export const RETENTION_FORMAT = `a whole number of days from 0 to ${MAX_RETENTION_DAYS}, or "${KEEP_FOREVER}"`;

/** The Worker variables an operator sets retention with (an orchestrator's `retention` option gives their defaults). */
export const RETENTION_ENV_VARS = {
  /** Days every namespace keeps its finished tasks, or `forever`. */
  default: "TASKER_RETENTION_DAYS",
  /** A JSON object of namespace → days or `forever`, ahead of the default. */
  namespaces: "TASKER_RETENTION_NAMESPACES",
} as const;

/** The operator's retention settings, read from a Worker's variables, and what was malformed in them. */
export interface RetentionConfig {
  fallback: Retention | undefined;
  namespaces: Readonly<Record<string, Retention>>;
  problems: string[];
}

/**
 * Reads the operator's settings. A malformed setting keeps tasks forever rather than at some default:
 * a typo must never delete data. Its problem is listed so the caller can say so.
 */
export function readRetentionConfig(env: unknown): RetentionConfig {
  const values = (env ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  let fallback: Retention | undefined;
  const rawDefault = values[RETENTION_ENV_VARS.default];
  if (rawDefault !== undefined && rawDefault !== "") {
    fallback = parseRetention(rawDefault);
    if (fallback === undefined) {
      problems.push(`${RETENTION_ENV_VARS.default} must be ${RETENTION_FORMAT}, not ${JSON.stringify(rawDefault)}`);
      fallback = KEEP_FOREVER;
    }
  }
  const namespaces: Record<string, Retention> = Object.create(null);
  const rawNamespaces = values[RETENTION_ENV_VARS.namespaces];
  if (rawNamespaces !== undefined && rawNamespaces !== "") {
    let parsed: unknown;
    try {
      parsed = typeof rawNamespaces === "string" ? JSON.parse(rawNamespaces) : rawNamespaces;
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      problems.push(`${RETENTION_ENV_VARS.namespaces} must be a JSON object of namespace → ${RETENTION_FORMAT}`);
      fallback = KEEP_FOREVER;
    } else {
      for (const [namespace, value] of Object.entries(parsed)) {
        const retention = parseRetention(value);
        if (retention === undefined) {
          problems.push(
            `${RETENTION_ENV_VARS.namespaces}.${namespace} must be ${RETENTION_FORMAT}, not ${JSON.stringify(value)}`,
          );
        }
        namespaces[namespace] = retention ?? KEEP_FOREVER;
      }
    }
  }
  return { fallback, namespaces, problems };
}

/** The retention of a task of this template and namespace under this configuration. */
export function retentionOf(templateRetention: Retention | undefined, namespace: string, config: RetentionConfig): Retention {
  return resolveRetention({
    template: templateRetention,
    namespace: Object.hasOwn(config.namespaces, namespace) ? config.namespaces[namespace] : undefined,
    fallback: config.fallback,
  });
}
