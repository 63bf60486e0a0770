// TaskerApiError: a non-2xx answer of the API, parsed from its `{ "error": { code, message, details? } }` envelope.

export class TaskerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "TaskerApiError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Builds the error for a failed response; a body that is not the envelope falls back to code `http_<status>`. */
export async function apiErrorFrom(response: Response): Promise<TaskerApiError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const envelope = isRecord(body) ? body.error : undefined;
  if (isRecord(envelope) && typeof envelope.code === "string") {
    const message = typeof envelope.message === "string" ? envelope.message : `${response.status} ${envelope.code}`;
    return new TaskerApiError(response.status, envelope.code, message, envelope.details);
  }
  const message = text.trim().slice(0, 500) || `${response.status} ${response.statusText}`.trim();
  return new TaskerApiError(response.status, `http_${response.status}`, message, body);
}
