// Templates whose input_schema would make validation super-linear or endless are refused at registration; formats answer in linear time.
import { describe, expect, it } from "vitest";
import { MAX_NESTING_DEPTH } from "../../../src/shared/limits";
import { api, submit } from "../helpers";

/** A JSON template in namespace `registered` whose only step echoes, with the given input_schema. */
function templateWith(name: string, inputSchema: Record<string, unknown>) {
  return JSON.stringify({
    name,
    namespace_name: "registered",
    version: "1.0.0",
    identity_strategy: "always_unique",
    input_schema: inputSchema,
    steps: [{ name: "echo", handler: { callable: "EchoHandler" } }],
  });
}

function register(name: string, inputSchema: Record<string, unknown>): Promise<Response> {
  return api(`/v1/templates/registered/${name}/1.0.0`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: templateWith(name, inputSchema),
  });
}

async function problemsOf(response: Response): Promise<{ path: string; message: string }[]> {
  const text = await response.text();
  expect(response.status, text).toBe(400);
  const { error } = JSON.parse(text) as { error: { code: string; details: { path: string; message: string }[] } };
  expect(error.code).toBe("invalid_template");
  return error.details;
}

describe("input_schema safety at registration", () => {
  it("refuses the exponential pattern ^(a+)+$ (7–10 s on 31 characters) with the path of its key", async () => {
    const problems = await problemsOf(
      await register("evil_pattern", { properties: { name: { type: "string", pattern: "^(a+)+$" } } }),
    );
    expect(problems).toEqual([{ path: "input_schema.properties.name.pattern", message: expect.stringContaining("backtrack") }]);
    const keyed = await problemsOf(await register("evil_keys", { patternProperties: { "^(\\w+\\s?)*$": {} } }));
    expect(keyed.map((p) => p.path)).toEqual(['input_schema.patternProperties["^(\\\\w+\\\\s?)*$"]']);
    const validated = await api("/v1/templates/validate", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: templateWith("evil_names", { propertyNames: { pattern: "^(a|a)*$" } }),
    });
    expect(await validated.json()).toMatchObject({ valid: false, problems: [{ path: "input_schema.propertyNames.pattern" }] });
  });

  it('refuses {"$ref": "#"} instead of failing every later submission', async () => {
    const problems = await problemsOf(await register("self_ref", { $ref: "#" }));
    expect(problems).toEqual([{ path: "input_schema.$ref", message: expect.stringContaining("without descending") }]);
  });

  it("refuses a schema whose validation doubles at every level of the context", async () => {
    const twice = { allOf: [{ properties: { x: { $ref: "#" } } }, { properties: { x: { $ref: "#" } } }] };
    const problems = await problemsOf(await register("fan_out", twice));
    expect(problems).toEqual([{ path: "input_schema", message: expect.stringContaining("subschemas to one value") }]);
  });

  it("refuses a format it would not check", async () => {
    const problems = await problemsOf(await register("phone_format", { properties: { phone: { format: "phone" } } }));
    expect(problems.map((p) => p.path)).toEqual(["input_schema.properties.phone.format"]);
  });
});

describe("validation depth at submission", () => {
  it("validates a context nested to the limit through the longest in-place chains registration allows", async () => {
    const $defs: Record<string, unknown> = { c0: { type: "object", properties: { x: { $ref: "#" } } } };
    for (let i = 1; i <= 3; i++) $defs[`c${i}`] = { $ref: `#/$defs/c${i - 1}` };
    const registered = await register("deep_chain", { $defs, $ref: "#/$defs/c3" });
    expect(registered.status, await registered.clone().text()).toBe(201);
    let context: Record<string, unknown> = {};
    for (let level = 1; level < MAX_NESTING_DEPTH; level++) context = { x: context };
    await submit({
      name: "deep_chain",
      namespace: "registered",
      version: "1.0.0",
      context,
      initiator: "t",
      source_system: "t",
      reason: "t",
    });
    const tooLong = await problemsOf(
      await register("deeper_chain", {
        $defs: { ...$defs, c4: { $ref: "#/$defs/c3" } },
        $ref: "#/$defs/c4",
      }),
    );
    expect(tooLong).toEqual([{ path: "input_schema", message: expect.stringContaining("recurse") }]);
  });
});

describe("formats at submission", () => {
  it("answers a url of 38 characters, and of 100,000, with a 400 naming the field", async () => {
    const registered = await register("with_url", { type: "object", properties: { site: { type: "string", format: "url" } } });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const request = (site: string) => ({
      name: "with_url",
      namespace: "registered",
      version: "1.0.0",
      context: { site },
      initiator: "test",
      source_system: "vitest",
      reason: "security",
    });
    for (const site of [`http://${"a".repeat(30)}\u0000`, `http://${"a-".repeat(50_000)} `]) {
      const response = await api("/v1/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request(site)),
      });
      const body = (await response.json()) as { error: { code: string; details: { path: string }[] } };
      expect(response.status).toBe(400);
      expect(body.error.code).toBe("invalid_context");
      expect(body.error.details.map((d) => d.path)).toEqual(["context.site"]);
    }
    await submit(request("https://example.com/shop"));
  });
});
