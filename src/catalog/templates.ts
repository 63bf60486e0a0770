// Templates registered over the API, stored in the catalog (D1); a registered version never changes.
import { canonicalJson, sha256Hex } from "../engine/identity";
import type { TemplateFormat } from "../templates/loader";
import type { TaskTemplate } from "../templates/types";
import { ensureCatalog } from "./schema";

export interface RegisteredTemplate {
  template: TaskTemplate;
  content_hash: string;
  registered_by: string;
  registered_at: number;
}

export interface RegisteredTemplateSummary {
  namespace: string;
  name: string;
  version: string;
  description: string | null;
  step_count: number;
}

export type RegisterResult =
  | { outcome: "created" | "unchanged"; record: RegisteredTemplate }
  | { outcome: "conflict"; existing: RegisteredTemplate };

/** SHA-256 of the loaded template (every default applied, keys sorted): YAML and JSON of the same template agree. */
export function templateContentHash(template: TaskTemplate): Promise<string> {
  return sha256Hex(canonicalJson(template));
}

interface TemplateRow {
  template: string;
  content_hash: string;
  registered_by: string;
  registered_at: number;
}

const fromRow = (row: TemplateRow): RegisteredTemplate => ({
  template: JSON.parse(row.template) as TaskTemplate,
  content_hash: row.content_hash,
  registered_by: row.registered_by,
  registered_at: row.registered_at,
});

export async function getRegisteredTemplate(
  db: D1Database,
  namespace: string,
  name: string,
  version: string,
): Promise<RegisteredTemplate | null> {
  await ensureCatalog(db);
  const row = await db
    .prepare(
      "SELECT template, content_hash, registered_by, registered_at FROM templates WHERE namespace = ? AND name = ? AND version = ?",
    )
    .bind(namespace, name, version)
    .first<TemplateRow>();
  return row ? fromRow(row) : null;
}

/**
 * Stores a template under its identity unless that identity is taken. Insert-or-nothing and then a
 * read, so two concurrent registrations of one identity cannot both win: D1 runs them one at a time.
 */
export async function registerTemplate(
  db: D1Database,
  input: { template: TaskTemplate; source: string; format: TemplateFormat; registeredBy: string; now: number },
): Promise<RegisterResult> {
  await ensureCatalog(db);
  const { template } = input;
  const contentHash = await templateContentHash(template);
  const inserted = await db
    .prepare(
      `INSERT INTO templates (namespace, name, version, content_hash, template, source, source_format, description,
         step_count, registered_by, registered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, name, version) DO NOTHING`,
    )
    .bind(
      template.namespace_name,
      template.name,
      template.version,
      contentHash,
      JSON.stringify(template),
      input.source,
      input.format,
      template.description,
      template.steps.length,
      input.registeredBy,
      input.now,
    )
    .run();
  const record: RegisteredTemplate = {
    template,
    content_hash: contentHash,
    registered_by: input.registeredBy,
    registered_at: input.now,
  };
  if (inserted.meta.changes > 0) return { outcome: "created", record };
  const existing = await getRegisteredTemplate(db, template.namespace_name, template.name, template.version);
  if (!existing) throw new Error(`template ${template.namespace_name}/${template.name}@${template.version} vanished`);
  return existing.content_hash === contentHash ? { outcome: "unchanged", record: existing } : { outcome: "conflict", existing };
}

/** Summaries of registered templates, optionally of one namespace. */
export async function listRegisteredTemplates(db: D1Database, namespace?: string): Promise<RegisteredTemplateSummary[]> {
  await ensureCatalog(db);
  const statement =
    namespace === undefined
      ? db.prepare("SELECT namespace, name, version, description, step_count FROM templates")
      : db.prepare("SELECT namespace, name, version, description, step_count FROM templates WHERE namespace = ?").bind(namespace);
  return (await statement.all<RegisteredTemplateSummary>()).results;
}

/** Every registered version of one template, in no particular order. */
export async function listRegisteredVersions(db: D1Database, namespace: string, name: string): Promise<string[]> {
  await ensureCatalog(db);
  const { results } = await db
    .prepare("SELECT version FROM templates WHERE namespace = ? AND name = ?")
    .bind(namespace, name)
    .all<{ version: string }>();
  return results.map((row) => row.version);
}

/** The namespaces holding a registered template of this name, in no particular order. */
export async function listRegisteredNamespaces(db: D1Database, name: string): Promise<string[]> {
  await ensureCatalog(db);
  const { results } = await db
    .prepare("SELECT DISTINCT namespace FROM templates WHERE name = ?")
    .bind(name)
    .all<{ namespace: string }>();
  return results.map((row) => row.namespace);
}
