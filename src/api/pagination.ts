// Page-based paging as Tasker does it: `page` and `per_page` in, a `pagination` block out.
import { wholeNumber } from "./query-string";

/** The highest page number any paged route accepts; deeper pages are better reached by narrowing the filters. */
export const MAX_PAGE_NUMBER = 1_000_000;

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

/** The `page` (from 1) and `per_page` parameters of a paged route's query schema, with their defaults and bounds. */
export function pageParameters({ perPage, maxPerPage, noun }: { perPage: number; maxPerPage: number; noun: string }) {
  return {
    page: wholeNumber(MAX_PAGE_NUMBER).default(1).describe("page number, from 1"),
    per_page: wholeNumber(maxPerPage).default(perPage).describe(`${noun} per page, ${perPage} by default, at most ${maxPerPage}`),
  };
}

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
