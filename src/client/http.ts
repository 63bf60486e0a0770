// The client's transport: builds URLs and headers, sends JSON, and turns non-2xx answers into TaskerApiError.
import { apiErrorFrom } from "./errors";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The API's origin (and optional path prefix), e.g. `https://tasker.example.com`. */
  baseUrl: string;
  /** Sent as `X-API-Key`. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer <token>` (a JWT or an API key). */
  bearerToken?: string;
  /** Defaults to the global `fetch`; inject a Service Binding's or a test's fetch here. */
  fetch?: FetchLike;
}

export type Query = Record<string, string | undefined>;

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with its own media type (a YAML template). */
  text?: { body: string; contentType: string };
  query?: Query;
}

export interface Transport {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** The same, with the response status (e.g. 201 vs 200). */
  exchange<T>(method: string, path: string, options?: RequestOptions): Promise<{ status: number; body: T }>;
}

export function createTransport(options: ClientOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const exchange = async <T>(
    method: string,
    path: string,
    { body, text, query }: RequestOptions = {},
  ): Promise<{ status: number; body: T }> => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
    if (options.bearerToken !== undefined) headers.authorization = `Bearer ${options.bearerToken}`;
    const init: RequestInit = { method, headers };
    if (text !== undefined) {
      headers["content-type"] = text.contentType;
      init.body = text.body;
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, value);
    const search = params.size > 0 ? `?${params}` : "";
    const response = await doFetch(`${base}${path}${search}`, init);
    if (!response.ok) throw await apiErrorFrom(response);
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    exchange,
    request: async <T>(method: string, path: string, requestOptions?: RequestOptions) =>
      (await exchange<T>(method, path, requestOptions)).body,
  };
}

/** One path segment, percent-encoded. */
export const seg = (value: string) => encodeURIComponent(value);
