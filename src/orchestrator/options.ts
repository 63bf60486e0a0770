// The options of createOrchestrator, checked and resolved at start-up: a bad option throws there, naming itself.

import { AuthConfigError, parseAuthConfig } from "../api/auth-config";
import { RETENTION_ENV_VARS, readRetentionConfig } from "../engine/retention";
import { readLimits } from "../limits-config";
import { isRecord } from "../shared/values";
import type { TemplateRegistry } from "../templates/registry";
import { loadTemplateSources, type TemplateSource } from "../templates/sources";
import { HandlerRegistry } from "../worker/registry";
import type { StepHandlerClass } from "../worker/step-handler";

/** A template's YAML (or JSON) text, or the text with the path it came from, used in error messages. */
export type TemplateInput = string | TemplateSource;

/**
 * Authentication settings that are not secrets; each one is the default of its Worker variable, which
 * wins when set. API keys and an HS256 secret are secrets: set them as Worker secrets
 * (`TASKER_API_KEYS`, `TASKER_JWT_SECRET`), never in code.
 */
export interface AuthOptions {
  /** `TASKER_AUTH = "required"`: refuse every /v1 request unless credentials are configured. */
  required?: boolean;
  jwt?: {
    /** `TASKER_JWT_PUBLIC_KEY`: an RS256 or ES256 public JWK, or a JWK set `{ keys: [...] }`. */
    publicKey?: JsonWebKey | { keys: JsonWebKey[] };
    /** `TASKER_JWT_ISSUER`: the `iss` every token must carry. */
    issuer?: string;
    /** `TASKER_JWT_AUDIENCE`: the `aud` every token must carry. */
    audience?: string;
  };
}

/** The limits' defaults; each Worker variable named below wins when set. */
export interface LimitsOptions {
  /** `TASKER_MAX_TASK_STEPS` (default 10,000). */
  maxTaskSteps?: number;
  /** `TASKER_TASK_CREATES_PER_MINUTE` per caller (default 3,000); `"off"` for no limit. */
  taskCreatesPerMinute?: number | "off";
  /** `TASKER_WRITES_PER_MINUTE` per caller (default 6,000); `"off"` for no limit. */
  writesPerMinute?: number | "off";
}

/**
 * How long finished tasks are kept before their storage is purged; each Worker variable named below
 * wins when set. A template's `retention_days` wins over both.
 */
export interface RetentionOptions {
  /** `TASKER_RETENTION_DAYS`: days every namespace keeps its finished tasks (default 30), or `"forever"`. */
  days?: number | "forever";
  /** `TASKER_RETENTION_NAMESPACES`: namespace → days or `"forever"`, ahead of `days`. */
  namespaces?: Readonly<Record<string, number | "forever">>;
}

export interface OrchestratorOptions {
  /** The templates this orchestrator ships; more can be registered at run time (`PUT /v1/templates/...`, kept in D1). */
  templates: readonly TemplateInput[];
  /** The handlers this orchestrator runs itself (steps of namespaces routed to STEPS_DEFAULT): classes or a registry. */
  handlers: readonly StepHandlerClass[] | HandlerRegistry;
  auth?: AuthOptions;
  /** Namespace → queue producer binding; a namespace not listed uses STEPS_<NAMESPACE> when bound, else STEPS_DEFAULT. */
  queues?: Readonly<Record<string, string>>;
  limits?: LimitsOptions;
  retention?: RetentionOptions;
}

export interface ResolvedOptions {
  templates: TemplateRegistry;
  handlers: HandlerRegistry;
  queues: Readonly<Record<string, string>>;
  /** Worker variable → the value the options give it when the Worker's env leaves it unset. */
  variableDefaults: Readonly<Record<string, string>>;
}

const OPTION_NAMES = new Set(["templates", "handlers", "auth", "queues", "limits", "retention"]);
const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An Error whose message says which factory and option failed; every start-up problem is one. */
function invalid(detail: string): Error {
  return new Error(`createOrchestrator: ${detail}`);
}

function resolveTemplates(templates: unknown): TemplateRegistry {
  if (!Array.isArray(templates)) throw invalid("options.templates must be an array of YAML texts or { path, source } objects");
  const sources = templates.map((template: unknown, index): TemplateSource => {
    if (typeof template === "string") return { path: `templates[${index}]`, source: template };
    if (isRecord(template) && typeof template.path === "string" && typeof template.source === "string") {
      return { path: template.path, source: template.source };
    }
    throw invalid(`options.templates[${index}] is neither a YAML text nor a { path, source } object`);
  });
  try {
    return loadTemplateSources(sources);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
}

function resolveHandlers(handlers: unknown): HandlerRegistry {
  if (handlers instanceof HandlerRegistry) return handlers;
  if (!Array.isArray(handlers)) throw invalid("options.handlers must be an array of handler classes or a HandlerRegistry");
  const registry = new HandlerRegistry();
  handlers.forEach((handler: unknown, index) => {
    if (typeof handler !== "function") throw invalid(`options.handlers[${index}] is not a handler class`);
    try {
      registry.register(handler as StepHandlerClass);
    } catch (error) {
      throw invalid(`options.handlers[${index}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return registry;
}

function resolveQueues(queues: unknown): Record<string, string> {
  if (queues === undefined) return {};
  if (!isRecord(queues)) throw invalid("options.queues must map namespaces to queue producer binding names");
  for (const [namespace, binding] of Object.entries(queues)) {
    if (namespace.trim() === "") throw invalid("options.queues has a blank namespace");
    if (typeof binding !== "string" || !BINDING_NAME.test(binding)) {
      throw invalid(`options.queues.${namespace} must be a binding name (letters, digits, _), not ${JSON.stringify(binding)}`);
    }
  }
  return { ...(queues as Record<string, string>) };
}

function limitVariables(limits: unknown): Record<string, string> {
  if (limits === undefined) return {};
  if (!isRecord(limits)) throw invalid("options.limits must be an object");
  const names: Record<string, string> = {
    maxTaskSteps: "TASKER_MAX_TASK_STEPS",
    taskCreatesPerMinute: "TASKER_TASK_CREATES_PER_MINUTE",
    writesPerMinute: "TASKER_WRITES_PER_MINUTE",
  };
  const variables: Record<string, string> = {};
  for (const [option, value] of Object.entries(limits)) {
    const variable = names[option];
    if (variable === undefined) throw invalid(`options.limits.${option} is not an option (${Object.keys(names).join(", ")})`);
    if (value !== undefined) variables[variable] = String(value);
  }
  const { problems } = readLimits(variables);
  if (problems.length > 0) throw invalid(`options.limits: ${problems.join("; ")}`);
  return variables;
}

function retentionVariables(retention: unknown): Record<string, string> {
  if (retention === undefined) return {};
  if (!isRecord(retention)) throw invalid("options.retention must be an object");
  const { days, namespaces, ...rest } = retention;
  if (Object.keys(rest).length > 0)
    throw invalid(`options.retention.${Object.keys(rest)[0]} is not an option (days, namespaces)`);
  const variables: Record<string, string> = {};
  if (days !== undefined) variables[RETENTION_ENV_VARS.default] = String(days);
  if (namespaces !== undefined) {
    if (!isRecord(namespaces)) throw invalid('options.retention.namespaces must map namespaces to days or "forever"');
    variables[RETENTION_ENV_VARS.namespaces] = JSON.stringify(namespaces);
  }
  const { problems } = readRetentionConfig(variables);
  if (problems.length > 0) throw invalid(`options.retention: ${problems.join("; ")}`);
  return variables;
}

function authVariables(auth: unknown): Record<string, string> {
  if (auth === undefined) return {};
  if (!isRecord(auth)) throw invalid("options.auth must be an object");
  const variables: Record<string, string> = {};
  const { required, jwt, ...unknown } = auth;
  const extra = Object.keys(unknown);
  if (extra.length > 0) {
    throw invalid(
      `options.auth.${extra[0]} is not an option (required, jwt); API keys and JWT secrets are Worker secrets (TASKER_API_KEYS, TASKER_JWT_SECRET)`,
    );
  }
  if (required !== undefined && typeof required !== "boolean") throw invalid("options.auth.required must be true or false");
  if (required === true) variables.TASKER_AUTH = "required";
  if (jwt !== undefined) {
    if (!isRecord(jwt)) throw invalid("options.auth.jwt must be an object");
    const { publicKey, issuer, audience, ...rest } = jwt;
    if (Object.keys(rest).length > 0)
      throw invalid(`options.auth.jwt.${Object.keys(rest)[0]} is not an option (publicKey, issuer, audience)`);
    if (publicKey !== undefined) variables.TASKER_JWT_PUBLIC_KEY = JSON.stringify(publicKey);
    for (const [option, value, variable] of [
      ["issuer", issuer, "TASKER_JWT_ISSUER"],
      ["audience", audience, "TASKER_JWT_AUDIENCE"],
    ] as const) {
      if (value === undefined) continue;
      if (typeof value !== "string" || value.trim() === "")
        throw invalid(`options.auth.jwt.${option} must be a non-blank string`);
      variables[variable] = value;
    }
  }
  // The key alone is checked here: whether it is the only credential is for the Worker's env to complete.
  if (variables.TASKER_JWT_PUBLIC_KEY !== undefined) {
    try {
      parseAuthConfig({ TASKER_JWT_PUBLIC_KEY: variables.TASKER_JWT_PUBLIC_KEY });
    } catch (error) {
      if (!(error instanceof AuthConfigError)) throw error;
      throw invalid(`options.auth.jwt.publicKey: ${error.problems.join("; ")}`);
    }
  }
  return variables;
}

/** Checks every option and resolves it, or throws an Error starting `createOrchestrator:` that names the option. */
export function resolveOptions(options: OrchestratorOptions): ResolvedOptions {
  if (!isRecord(options)) throw invalid("options must be an object with templates and handlers");
  const unknown = Object.keys(options).filter((name) => !OPTION_NAMES.has(name));
  if (unknown.length > 0) throw invalid(`unknown option ${unknown.join(", ")} (options: ${[...OPTION_NAMES].join(", ")})`);
  return {
    templates: resolveTemplates(options.templates),
    handlers: resolveHandlers(options.handlers),
    queues: resolveQueues(options.queues),
    variableDefaults: {
      ...authVariables(options.auth),
      ...limitVariables(options.limits),
      ...retentionVariables(options.retention),
    },
  };
}
