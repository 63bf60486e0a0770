// The building blocks of query-string schemas: bounded text, whole numbers, instants and page parameters.
import { z } from "zod";

/** A text parameter: present means non-empty (`?namespace=` is a mistake, not "no filter"). */
export const queryText = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

/** A decimal whole number from 1 to `max`: no sign, fraction, exponent or hex (`1e15`, `0x10` are refused). */
export const wholeNumber = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(1, "must be at least 1").max(max, `must be at most ${max}`));

/** An ISO 8601 date (`2026-11-01`, midnight UTC) or date-time with `Z` or an offset, as epoch milliseconds. */
export const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: "must be an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z",
  })
  .transform((value) => Date.parse(value));

/** The query of a route that takes none. */
export const NO_QUERY = z.object({}).strict();

/** The highest page number any paged route accepts; deeper pages are better reached by narrowing the filters. */
export const MAX_PAGE_NUMBER = 1_000_000;

/** The `page` (from 1) and `per_page` parameters of a paged route's query schema, with their defaults and bounds. */
export function pageParameters({ perPage, maxPerPage, noun }: { perPage: number; maxPerPage: number; noun: string }) {
  return {
    page: wholeNumber(MAX_PAGE_NUMBER).default(1).describe("page number, from 1"),
    per_page: wholeNumber(maxPerPage).default(perPage).describe(`${noun} per page, ${perPage} by default, at most ${maxPerPage}`),
  };
}
