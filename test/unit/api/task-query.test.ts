import { describe, expect, it } from "vitest";
import { paginationInfo } from "../../../src/api/pagination";
import { parseTaskListQuery } from "../../../src/api/task-query";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../../src/shared/limits";

const parse = (query: string) => parseTaskListQuery(new URLSearchParams(query));

function problemsOf(query: string): Record<string, string> {
  const result = parse(query);
  if (result.ok) throw new Error(`${query} parsed`);
  return Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
}

describe("parseTaskListQuery", () => {
  it("defaults to the first page of 25 with no filters", () => {
    expect(parse("")).toEqual({ ok: true, query: { filters: {}, page: { page: 1, per_page: DEFAULT_PAGE_SIZE, offset: 0 } } });
  });

  it("reads every filter and turns times into epoch milliseconds", () => {
    const result = parse(
      "namespace=ecommerce&name=order_fulfillment&version=1.0.0&status=blocked_by_failures&initiator=api&source_system=web" +
        "&correlation_id=c-1&created_after=2026-11-01&created_before=2026-11-02T12:30:00%2B01:00&page=3&per_page=10",
    );
    expect(result).toEqual({
      ok: true,
      query: {
        filters: {
          namespace: "ecommerce",
          name: "order_fulfillment",
          version: "1.0.0",
          status: "blocked_by_failures",
          initiator: "api",
          source_system: "web",
          correlation_id: "c-1",
          created_after: Date.UTC(2026, 10, 1),
          created_before: Date.UTC(2026, 10, 2, 11, 30),
        },
        page: { page: 3, per_page: 10, offset: 20 },
      },
    });
  });

  it("refuses an unknown status, naming the valid ones", () => {
    expect(problemsOf("status=done").status).toContain("waiting_for_retry");
  });

  it("refuses page and per_page outside their bounds, or not whole numbers", () => {
    expect(Object.keys(problemsOf("page=0"))).toEqual(["page"]);
    expect(problemsOf(`per_page=${MAX_PAGE_SIZE + 1}`).per_page).toContain(String(MAX_PAGE_SIZE));
    expect(Object.keys(problemsOf("page=1.5&per_page=-1"))).toEqual(["page", "per_page"]);
    expect(parse(`per_page=${MAX_PAGE_SIZE}`).ok).toBe(true);
  });

  it("refuses times that are not ISO 8601", () => {
    expect(Object.keys(problemsOf("created_after=yesterday&created_before=1730000000"))).toEqual([
      "created_after",
      "created_before",
    ]);
    expect(problemsOf("created_after=2026-11-01T10:00:00").created_after).toContain("ISO 8601");
  });

  it("refuses unknown and repeated parameters, and empty values", () => {
    const problems = problemsOf("stauts=complete&namespace=a&namespace=b&initiator=");
    expect(problems.stauts).toContain("is not a parameter of this route");
    expect(problems.stauts).toContain("created_after");
    expect(problems.namespace).toBe("may be given only once");
    expect(problems.initiator).toBe("must not be empty");
  });
});

describe("paginationInfo", () => {
  const page = (n: number, perPage: number) => ({ page: n, per_page: perPage, offset: (n - 1) * perPage });

  it("counts pages and says whether there are more either way", () => {
    expect(paginationInfo(page(1, 3), 8)).toEqual({
      page: 1,
      per_page: 3,
      total_count: 8,
      total_pages: 3,
      has_next: true,
      has_previous: false,
    });
    expect(paginationInfo(page(3, 3), 8)).toMatchObject({ total_pages: 3, has_next: false, has_previous: true });
    expect(paginationInfo(page(2, 4), 8)).toMatchObject({ total_pages: 2, has_next: false });
  });

  it("answers one empty page when nothing matches, and no next page past the end", () => {
    expect(paginationInfo(page(1, 25), 0)).toMatchObject({ total_pages: 1, has_next: false, has_previous: false });
    expect(paginationInfo(page(9, 25), 30)).toMatchObject({ total_pages: 2, has_next: false, has_previous: true });
  });
});
