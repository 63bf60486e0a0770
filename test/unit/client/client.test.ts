// tasker-edge/client in Node with a fake fetch: URLs, auth headers, JSON bodies, error parsing, waiting.
import { describe, expect, it } from "vitest";
import { createClient, TaskerApiError, TaskerTimeoutError } from "../../../src/client";

async function rejection(promise: Promise<unknown>): Promise<TaskerApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskerApiError);
  return error as TaskerApiError;
}

describe("tasker-edge/client transport", () => {
  it("falls back to http_<status> when the body is not the error envelope", async () => {
    const plain = createClient({ baseUrl: "http://x.test", fetch: async () => new Response("bad gateway", { status: 502 }) });
    expect(await rejection(plain.health())).toMatchObject({ status: 502, code: "http_502", message: "bad gateway" });
  });

  it("sends X-API-Key, Authorization: Bearer and JSON bodies with a content-type", async () => {
    const seen: Request[] = [];
    const spy = createClient({
      baseUrl: "http://x.test/",
      apiKey: "key-1234567890abcdef",
      bearerToken: "token-abc",
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return Response.json({ task_uuid: "t", transitions: [] });
      },
    });
    await spy.cancelTask("t", "no longer needed");
    await spy.listTemplates("demo");
    const [cancel, list] = seen;
    expect(cancel?.url).toBe("http://x.test/v1/tasks/t");
    expect(cancel?.method).toBe("DELETE");
    expect(cancel?.headers.get("x-api-key")).toBe("key-1234567890abcdef");
    expect(cancel?.headers.get("authorization")).toBe("Bearer token-abc");
    expect(cancel?.headers.get("content-type")).toBe("application/json");
    expect(await cancel?.json()).toEqual({ reason: "no longer needed" });
    expect(list?.url).toBe("http://x.test/v1/templates?namespace=demo");
    expect(list?.headers.get("content-type")).toBeNull();
  });

  it("parses the error envelope into status, code, message and details", async () => {
    const failing = createClient({
      baseUrl: "http://x.test",
      fetch: async () =>
        Response.json({ error: { code: "forbidden", message: "no", details: { namespace: "billing" } } }, { status: 403 }),
    });
    const error = await rejection(failing.getTask("t"));
    expect(error).toMatchObject({ status: 403, code: "forbidden", message: "no", details: { namespace: "billing" } });
    expect(error.name).toBe("TaskerApiError");
  });

  it("sends no auth headers when none are configured, and encodes path segments", async () => {
    const seen: Request[] = [];
    const open = createClient({
      baseUrl: "http://x.test",
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return Response.json({ steps: [] });
      },
    });
    await open.getTemplate("a b", "c/d", "1.0.0");
    expect(seen[0]?.url).toBe("http://x.test/v1/templates/a%20b/c%2Fd/1.0.0");
    expect(seen[0]?.headers.get("x-api-key")).toBeNull();
    expect(seen[0]?.headers.get("authorization")).toBeNull();
  });

  it("lists tasks with filters in the query string, Dates as ISO 8601 and absent filters left out", async () => {
    const seen: Request[] = [];
    const spy = createClient({
      baseUrl: "http://x.test",
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return Response.json({ tasks: [], pagination: {} });
      },
    });
    await spy.listTasks({
      namespace: "ecommerce",
      status: "blocked_by_failures",
      created_after: new Date(Date.UTC(2026, 10, 1)),
      initiator: undefined,
      page: 2,
      per_page: 50,
    });
    await spy.listTasks();
    const url = new URL(seen[0]?.url ?? "");
    expect(url.pathname).toBe("/v1/tasks");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      namespace: "ecommerce",
      status: "blocked_by_failures",
      created_after: "2026-11-01T00:00:00.000Z",
      page: "2",
      per_page: "50",
    });
    expect(seen[1]?.url).toBe("http://x.test/v1/tasks");
  });

  it("sends a template string as YAML and an object as JSON, and tells 201 from 200", async () => {
    const seen: Request[] = [];
    let status = 201;
    const spy = createClient({
      baseUrl: "http://x.test",
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return Response.json({ name: "t", origin: "registered" }, { status });
      },
    });
    expect(await spy.registerTemplate("ns", "t", "1.0.0", "name: t\n")).toMatchObject({ created: true });
    status = 200;
    expect(await spy.registerTemplate("ns", "t", "1.0.0", { name: "t" })).toMatchObject({ created: false });
    await spy.validateTemplate("name: t\n");
    const [yaml, json, validate] = seen;
    expect(yaml?.method).toBe("PUT");
    expect(yaml?.url).toBe("http://x.test/v1/templates/ns/t/1.0.0");
    expect(yaml?.headers.get("content-type")).toBe("application/yaml");
    expect(await yaml?.text()).toBe("name: t\n");
    expect(json?.headers.get("content-type")).toBe("application/json");
    expect(await json?.json()).toEqual({ name: "t" });
    expect(validate?.url).toBe("http://x.test/v1/templates/validate");
    expect(validate?.method).toBe("POST");
  });

  it("waitForTask polls until a settled status, and times out otherwise", async () => {
    const statuses = ["pending", "steps_in_process", "blocked_by_failures"];
    let calls = 0;
    const polled = createClient({
      baseUrl: "http://x.test",
      fetch: async () => Response.json({ task_uuid: "t", status: statuses[Math.min(calls++, statuses.length - 1)] }),
    });
    expect((await polled.waitForTask("t", { timeoutMs: 1_000, intervalMs: 1 })).status).toBe("blocked_by_failures");
    expect(calls).toBe(3);
    const error = await polled.waitForTask("t", { until: ["complete"], timeoutMs: 20, intervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskerTimeoutError);
    expect((error as TaskerTimeoutError).lastTask?.status).toBe("blocked_by_failures");
  });
});

describe("listSteps", () => {
  it("reads every page of a large task's steps, 1,000 at a time", async () => {
    const urls: string[] = [];
    const client = createClient({
      baseUrl: "http://x.test",
      fetch: async (input) => {
        const url = new URL(String(input));
        urls.push(`${url.pathname}${url.search}`);
        const page = Number(url.searchParams.get("page"));
        const steps = page === 1 ? [{ name: "a" }, { name: "b" }] : [{ name: "c" }];
        return Response.json({ task_uuid: "t", total_count: 3, steps, pagination: { page, has_next: page < 2 } });
      },
    });
    expect((await client.listSteps("t")).map((s) => s.name)).toEqual(["a", "b", "c"]);
    expect(urls).toEqual(["/v1/tasks/t/workflow_steps?page=1&per_page=1000", "/v1/tasks/t/workflow_steps?page=2&per_page=1000"]);
  });
});
