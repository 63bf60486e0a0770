// Reading a template from a request body: YAML or JSON by Content-Type, within the template size limit.
import type { Context } from "hono";
import { MAX_TEMPLATE_JSON_BYTES, MAX_TEMPLATE_SOURCE_BYTES } from "../shared/limits";
import { parseTemplate, type TemplateFormat, type TemplateResult } from "../templates/loader";
import { decodeUtf8, isJsonMediaType, mediaTypeOf } from "./body";
import { ApiError } from "./errors";

// text/plain is what fetch() sends for a string body: a plain-text template is YAML.
const YAML_TYPES = new Set(["application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml", "text/plain"]);

/** The body's format from its Content-Type: YAML types, JSON (`application/json`, `*+json`), or YAML when absent. */
export function templateFormatOf(contentType: string | undefined): TemplateFormat | undefined {
  const { type } = mediaTypeOf(contentType);
  if (type === "" || YAML_TYPES.has(type)) return "yaml";
  if (isJsonMediaType(type)) return "json";
  return undefined;
}

/** The body as text and its format; 415 for another media type, 413 past the size limit, 400 when empty. */
export async function readTemplateBody(c: Context): Promise<{ source: string; format: TemplateFormat }> {
  const contentType = c.req.header("content-type");
  const format = templateFormatOf(contentType);
  if (format === undefined) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `send the template as application/yaml (or text/yaml, application/x-yaml) or application/json, not ${contentType}`,
    );
  }
  const body = await c.req.arrayBuffer();
  if (body.byteLength > MAX_TEMPLATE_SOURCE_BYTES) {
    throw new ApiError(
      413,
      "template_too_large",
      `the template is ${body.byteLength} bytes; the limit is ${MAX_TEMPLATE_SOURCE_BYTES}`,
    );
  }
  const source = decodeUtf8(body, "the template");
  if (source.trim() === "") throw new ApiError(400, "empty_body", "the request has no template in its body");
  return { source, format };
}

/** Loads the template exactly as bundled ones are loaded, plus the registered-size check. */
export function checkTemplate(source: string, format: TemplateFormat): TemplateResult {
  const result = parseTemplate(source, format);
  if (!result.ok) return result;
  const bytes = new TextEncoder().encode(JSON.stringify(result.template)).byteLength;
  if (bytes > MAX_TEMPLATE_JSON_BYTES) {
    return {
      ok: false,
      problems: [
        { path: "", message: `the loaded template is ${bytes} bytes with its defaults; the limit is ${MAX_TEMPLATE_JSON_BYTES}` },
      ],
    };
  }
  return result;
}
