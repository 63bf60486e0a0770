// Reading a JSON request body: malformed JSON and schema violations become 400s with every problem.
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, zodProblems } from "./errors";

export async function readJson<S extends z.ZodType>(c: Context, schema: S, { optional = false } = {}): Promise<z.output<S>> {
  const text = await c.req.text();
  let raw: unknown;
  if (text.trim() === "" && optional) raw = undefined;
  else {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ApiError(400, "malformed_json", `request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, "invalid_request", "request body is invalid", zodProblems(parsed.error));
  return parsed.data;
}
