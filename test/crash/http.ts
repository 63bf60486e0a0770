// The few HTTP calls the crash test makes, with a timeout each; a network failure is reported, never thrown.
export type Answer = { ok: true; status: number; body: unknown } | { ok: false; error: string };

export class Api {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, timeoutMs = 60_000) {
    this.baseUrl = baseUrl;
    this.timeoutMs = timeoutMs;
  }

  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: keep the text for the error message.
      }
      return { ok: true, status: response.status, body: parsed };
    } catch (error) {
      return { ok: false, error: String((error as Error).cause ?? error) };
    }
  }

  /** A GET that must answer 200; throws otherwise (used once the runtime is up and nothing is killed). */
  async get<T>(path: string): Promise<T> {
    const answer = await this.call("GET", path);
    if (!answer.ok) throw new Error(`GET ${path}: ${answer.error}`);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer.body as T;
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
