// Page-based paging as Tasker does it: `page` and `per_page` in, a `pagination` block out.
import type { z } from "zod";
import type { PaginationSchema } from "../contract/responses";

export interface PageRequest {
  page: number;
  per_page: number;
  offset: number;
}

export type PaginationInfo = z.output<typeof PaginationSchema>;

/** The page a parsed query asks for, with the offset of its first row. */
export function pageRequest({ page, per_page }: { page: number; per_page: number }): PageRequest {
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
