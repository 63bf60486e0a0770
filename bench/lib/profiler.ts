// A CPU profile of a local Worker through its devtools inspector (Chrome DevTools Protocol), summed by function and file.

/** The parts of a V8 CPU profile this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: { name: string; file: string; selfMs: number }[];
  byFile: { file: string; selfMs: number }[];
}

/** A running profile: `stop()` ends it and returns the raw profile. */
export interface Profiling {
  stop(): Promise<CpuProfile>;
}

/** Starts the V8 sampling profiler of the Worker behind an inspector port (wrangler's inspector proxy). */
export async function startProfiling(inspectorPort: number, samplingIntervalUs = 200): Promise<Profiling> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target at port ${inspectorPort}`);
  // wrangler's inspector proxy wants a local Origin; Node's WebSocket (undici) takes headers as an extension.
  const init = { headers: { Origin: `http://127.0.0.1:${inspectorPort}` } } as unknown as string[];
  const socket = new WebSocket(url, init);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const pending = message.id === undefined ? undefined : waiting.get(message.id);
    if (!pending || message.id === undefined) return;
    waiting.delete(message.id);
    if (message.error) pending.reject(new Error(message.error.message));
    else pending.resolve(message.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await send("Profiler.start");
  return {
    async stop() {
      const { profile } = (await send("Profiler.stop")) as { profile: CpuProfile };
      socket.close();
      return profile;
    },
  };
}

/** Self time by function and by file (sample counts × the mean sampling interval). */
export function summarize(profile: CpuProfile): ProfileSummary {
  const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const perHit = hits > 0 ? totalMs / hits : 0;
  const functions = new Map<string, { name: string; file: string; selfMs: number }>();
  const files = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url === "" ? `(${functionName || "native"})` : shortFile(url);
    const name = `${functionName || "(anonymous)"}${url === "" ? "" : `:${lineNumber + 1}`}`;
    const ms = (node.hitCount ?? 0) * perHit;
    const key = `${file} ${name}`;
    const entry = functions.get(key) ?? { name, file, selfMs: 0 };
    entry.selfMs += ms;
    functions.set(key, entry);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  return {
    totalMs,
    byFunction: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    byFile: [...files].map(([file, selfMs]) => ({ file, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** A bundle's source path as its source map names it (src/…, node_modules/…), else the URL's last part. */
function shortFile(url: string): string {
  const at = url.search(/\/(src|node_modules|bench|examples)\//);
  return at >= 0 ? url.slice(at + 1) : (url.split("/").at(-1) ?? url);
}
