import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseQuery } from "../../../src/api/query-string";
import { NO_QUERY, queryText, wholeNumber } from "../../../src/contract/query-fields";
import { StepListQuerySchema, TemplateListQuerySchema } from "../../../src/contract/requests";

const parse = <S extends z.ZodObject>(query: string, schema: S) => parseQuery(new URLSearchParams(query), schema);

function problemsOf<S extends z.ZodObject>(query: string, schema: S): Record<string, string> {
  const result = parse(query, schema);
  if (result.ok) throw new Error(`${query} parsed`);
  return Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
}

describe("parseQuery", () => {
  const schema = z.object({ name: queryText(10).optional(), count: wholeNumber(50).default(5) }).strict();

  it("reads the parameters a route takes, with their defaults", () => {
    expect(parse("", schema)).toEqual({ ok: true, query: { count: 5 } });
    expect(parse("name=%20ada%20&count=7", schema)).toEqual({ ok: true, query: { name: "ada", count: 7 } });
  });

  it("names a parameter the route does not take, and says which it does", () => {
    expect(problemsOf("nmae=ada", schema).nmae).toBe("is not a parameter of this route; this route takes name, count");
    expect(problemsOf("x=1", NO_QUERY).x).toBe("is not a parameter of this route; this route takes no query parameters");
    expect(problemsOf("flag", NO_QUERY)).toHaveProperty("flag");
  });

  it("refuses a parameter given twice once, whatever its values", () => {
    const result = parse("count=1&count=1&count=3", schema);
    expect(result).toEqual({ ok: false, problems: [{ path: "count", message: "may be given only once" }] });
  });

  it("takes only plain decimal whole numbers in range", () => {
    for (const value of ["0x10", "1e15", "1.5", "-1", "+3", " 4", "", "9999999999"]) {
      expect(problemsOf(`count=${encodeURIComponent(value)}`, schema), value).toHaveProperty("count");
    }
    expect(problemsOf("count=51", schema).count).toBe("must be at most 50");
    expect(problemsOf("count=0", schema).count).toBe("must be at least 1");
  });

  it("reports every problem at once", () => {
    expect(Object.keys(problemsOf("name=&count=x&extra=1&extra=2", schema)).sort()).toEqual(["count", "extra", "name"]);
  });
});

describe("the listing routes' queries", () => {
  it("pages the step list: 500 by default, at most 1,000", () => {
    expect(parse("", StepListQuerySchema)).toEqual({ ok: true, query: { page: 1, per_page: 500 } });
    expect(Object.keys(problemsOf("per_page=1001&page=0", StepListQuerySchema)).sort()).toEqual(["page", "per_page"]);
  });

  it("filters the template list by a non-empty namespace", () => {
    expect(parse("namespace=ecommerce", TemplateListQuerySchema)).toEqual({ ok: true, query: { namespace: "ecommerce" } });
    expect(problemsOf("namespace=", TemplateListQuerySchema).namespace).toBe("must not be empty");
  });
});
