// Page-based paging as Tasker does it: `page` and `per_page` in, a `pagination` block out.
import type { Context } from "hono";
import { z } from "zod";
import { ApiError, zodProblems } from "./errors";

export interface PageRequest {
  page: number;
  per_page: number;
  offset: number;
}

export interface PaginationInfo {
  page: number;
  per_page: number;
  total_count: number;
  total_pages: number;
  has_next: boolean;
  has_previous: boolean;
}

/** Reads `page` (from 1) and `per_page` from the query; a malformed value is a 400, not a silent default. */
export function readPage(c: Context, defaults: { perPage: number; maxPerPage: number }): PageRequest {
  const schema = z.object({
    page: z.coerce.number().int().min(1).default(1),
    per_page: z.coerce.number().int().min(1).max(defaults.maxPerPage).default(defaults.perPage),
  });
  const parsed = schema.safeParse({ page: c.req.query("page"), per_page: c.req.query("per_page") });
  if (!parsed.success) throw new ApiError(400, "invalid_query", "invalid paging parameters", zodProblems(parsed.error));
  const { page, per_page } = parsed.data;
  return { page, per_page, offset: (page - 1) * per_page };
}

export function paginationInfo(request: PageRequest, totalCount: number): PaginationInfo {
  const totalPages = Math.max(1, Math.ceil(totalCount / request.per_page));
  return {
    page: request.page,
    per_page: request.per_page,
    total_count: totalCount,
    total_pages: totalPages,
    has_next: request.page < totalPages,
    has_previous: request.page > 1,
  };
}
