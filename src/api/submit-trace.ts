// Traces `POST /v1/tasks` phase by phase (auth and limits, body, template, checks, the create RPC, the eager start), only under TASKER_TRACE=1.
import type { Context, MiddlewareHandler } from "hono";
import { TRACE_SUBMIT_EVT, Trace, tracingOn } from "../trace";

declare module "hono" {
  interface ContextVariableMap {
    submitTrace: Trace;
  }
}

/**
 * Opens a trace for each task submission when the env turns tracing on, and writes it once the
 * answer is built: the handler laps its phases on it (`submitTraceOf`), this middleware laps
 * `answer` (the response body) and notes the status. Off, it is one env read and `next()`.
 */
export function traceSubmits(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    if (c.req.method !== "POST" || !tracingOn(c.env)) return next();
    const trace = new Trace(TRACE_SUBMIT_EVT, {});
    c.set("submitTrace", trace);
    try {
      await next();
    } finally {
      trace.lap("answer");
      trace.note("status", c.res.status);
      trace.end();
    }
  };
}

/** The submission's trace, or null when tracing is off (every `trace?.lap` is then skipped). */
export function submitTraceOf(c: Context): Trace | null {
  return (c.get("submitTrace") as Trace | undefined) ?? null;
}
