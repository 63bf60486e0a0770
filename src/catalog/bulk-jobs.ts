// The listing of bulk jobs (D1): each job's object writes its summary there as it goes, and `GET /v1/bulk-jobs` reads it.
import type { z } from "zod";
import type { BulkJobListSchema } from "../contract/responses";
import { ensureCatalog } from "./schema";

export type BulkJobSummary = z.output<typeof BulkJobListSchema>["jobs"][number];

/** Upserts a job's row; a write carrying an older revision than the stored one changes nothing. */
export async function writeBulkJobIndex(
  db: D1Database,
  summary: BulkJobSummary,
  namespaces: readonly string[] | null,
  revision: number,
): Promise<void> {
  await ensureCatalog(db);
  await db
    .prepare(
      `INSERT INTO bulk_jobs (job_id, summary, namespaces, created_at, revision) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET summary = excluded.summary, revision = excluded.revision
       WHERE excluded.revision >= bulk_jobs.revision`,
    )
    .bind(
      summary.job_id,
      JSON.stringify(summary),
      namespaces === null ? null : JSON.stringify(namespaces),
      Date.parse(summary.created_at),
      revision,
    )
    .run();
}

/**
 * The newest jobs a caller may see: every job for an unscoped caller; for a scoped one, only jobs
 * whose own scope lies within the caller's (a job over every namespace is never shown to it).
 */
export async function listBulkJobs(
  db: D1Database,
  namespaces: readonly string[] | null,
  limit: number,
): Promise<BulkJobSummary[]> {
  await ensureCatalog(db);
  const statement =
    namespaces === null
      ? db.prepare("SELECT summary FROM bulk_jobs ORDER BY created_at DESC, job_id DESC LIMIT ?").bind(limit)
      : db
          .prepare(
            `SELECT summary FROM bulk_jobs
             WHERE namespaces IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM json_each(bulk_jobs.namespaces) AS job
                               WHERE job.value NOT IN (SELECT value FROM json_each(?)))
             ORDER BY created_at DESC, job_id DESC LIMIT ?`,
          )
          .bind(JSON.stringify(namespaces), limit);
  const rows = await statement.all<{ summary: string }>();
  return rows.results.map((row) => JSON.parse(row.summary) as BulkJobSummary);
}
