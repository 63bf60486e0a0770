// Reading a request body: JSON media types only, UTF-8 only, then JSON parsed and checked against its schema.
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, zodProblems } from "./errors";

/** A Content-Type's media type (lower case, without parameters) and its charset parameter, if any. */
export function mediaTypeOf(contentType: string | undefined): { type: string; charset: string | undefined } {
  const [essence = "", ...parameters] = (contentType ?? "").split(";");
  let charset: string | undefined;
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=", 2).map((part) => part.trim());
    if (name.toLowerCase() === "charset") charset = value.replace(/^"(.*)"$/, "$1").toLowerCase();
  }
  return { type: essence.trim().toLowerCase(), charset };
}

/** `application/json` and the structured-syntax `application/*+json` types (RFC 6839). */
export function isJsonMediaType(type: string): boolean {
  return type === "application/json" || /^application\/[!#$&^\w.+-]+\+json$/.test(type);
}

/** JSON text is UTF-8 (RFC 8259); a declared charset may only say so. */
const isUtf8Charset = (charset: string | undefined) => charset === undefined || charset === "utf-8" || charset === "utf8";

/**
 * Refuses anything but JSON with 415. This is also what keeps a cross-site HTML form (which can only
 * send `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` without a CORS
 * preflight) from submitting to an instance that runs without authentication.
 */
export function requireJsonMediaType(contentType: string | undefined): void {
  const { type, charset } = mediaTypeOf(contentType);
  if (isJsonMediaType(type) && isUtf8Charset(charset)) return;
  const sent = contentType === undefined ? "a body without a Content-Type" : `Content-Type ${contentType}`;
  throw new ApiError(
    415,
    "unsupported_media_type",
    `send the body as JSON in UTF-8, with Content-Type application/json (or application/*+json), not ${sent}`,
  );
}

/** The body's bytes as text, or 400 `invalid_encoding` when they are not UTF-8 (never a lenient decode). */
export function decodeUtf8(bytes: ArrayBuffer, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_encoding", `${what} is not valid UTF-8`);
  }
}

/**
 * Reads a JSON body: 415 for another media type, 400 `invalid_encoding`, `malformed_json`, or
 * `invalid_request` listing every schema problem (unknown fields included). An `optional` body may
 * be absent altogether, with or without a Content-Type.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, { optional = false } = {}): Promise<z.output<S>> {
  const bytes = await c.req.arrayBuffer();
  let raw: unknown;
  if (bytes.byteLength === 0 && optional) raw = undefined;
  else {
    requireJsonMediaType(c.req.header("content-type"));
    const text = decodeUtf8(bytes, "the request body");
    if (text.trim() === "" && optional) raw = undefined;
    else {
      try {
        raw = JSON.parse(text);
      } catch (error) {
        throw new ApiError(400, "malformed_json", `request body is not valid JSON: ${(error as Error).message}`);
      }
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, "invalid_request", "request body is invalid", zodProblems(parsed.error));
  return parsed.data;
}
