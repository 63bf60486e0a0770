// The console's only way to the server: same-origin calls to the public API with the credential kept for this browser session.
const CREDENTIAL_KEY = "tasker-console.credential";
const OPERATOR_KEY = "tasker-console.operator";

/** An answer of the API that is not a success, as the API worded it (`{ error: { code, message, details } }`). */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
    this.name = "ApiRefusal";
  }
}

/** The API key or token entered on the key page; sessionStorage only, so it ends with the tab. */
export const credential = {
  get: (): string => sessionStorage.getItem(CREDENTIAL_KEY) ?? "",
  set: (value: string): void => {
    if (value.trim() === "") sessionStorage.removeItem(CREDENTIAL_KEY);
    else sessionStorage.setItem(CREDENTIAL_KEY, value.trim());
  },
};

/** The name an operator's actions are recorded under (`reset_by`, `performed_by`, …); remembered for the session. */
export const operatorName = {
  get: (): string => sessionStorage.getItem(OPERATOR_KEY) ?? "console operator",
  set: (value: string): void => sessionStorage.setItem(OPERATOR_KEY, value.trim()),
};

export type Body = { json: unknown } | { yaml: string };

/** Calls the API; resolves with the decoded success, rejects with an `ApiRefusal` for any error answer. */
export async function api<T>(method: string, path: string, body?: Body): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const key = credential.get();
  // A Bearer credential is either an API key or a JWT: the API tells them apart.
  if (key !== "") headers.authorization = `Bearer ${key}`;
  let payload: string | undefined;
  if (body && "json" in body) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers["content-type"] = "application/yaml";
    payload = body.yaml;
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
  } catch (error) {
    throw new ApiRefusal(0, "unreachable", `the server could not be reached: ${String(error)}`, undefined);
  }
  const text = await response.text();
  const decoded = text === "" ? null : safeJson(text);
  if (response.ok) return decoded as T;
  const envelope = (decoded as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const refusal = new ApiRefusal(
    response.status,
    typeof envelope?.code === "string" ? envelope.code : `http_${response.status}`,
    typeof envelope?.message === "string" ? envelope.message : text.slice(0, 500) || response.statusText,
    envelope?.details,
  );
  if (response.status === 401) window.dispatchEvent(new CustomEvent("tasker:unauthorized", { detail: refusal.message }));
  throw refusal;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Every page of a paged list, fetched in parallel after the first (which says how many there are). */
export async function allPages<P extends { pagination: { total_pages: number } }, T>(
  path: (page: number) => string,
  itemsOf: (page: P) => T[],
): Promise<{ first: P; items: T[] }> {
  const first = await api<P>("GET", path(1));
  const rest = await Promise.all(
    Array.from({ length: first.pagination.total_pages - 1 }, (_, index) => api<P>("GET", path(index + 2))),
  );
  return { first, items: [first, ...rest].flatMap(itemsOf) };
}
