// The three systems under test behind one interface: submit a job, read its status.

/** `hop`: the floor's queue hop to a fresh object; `hop_warm`: the same hop to one long-lived object. */
export type Workload = "chain3" | "diamond" | "fanout" | "hop" | "hop_warm";

export interface Job {
  workload: Workload;
  /** Parallel branches of a fan-out. */
  n?: number;
}

/**
 * `engineMs`, on a completed job: the time the engine itself recorded from its start to its end
 * (tasker-edge: the task's `created_at` → `completed_at`; Workflows: the instance's creation → the
 * end of its `run()`, read from its output), free of the client's polling interval.
 */
export type Status = { state: "running" } | { state: "complete"; engineMs?: number } | { state: "failed"; detail: string };

/** Milliseconds between two ISO timestamps, or undefined when either is missing or malformed. */
function between(from: unknown, to: unknown): number | undefined {
  if (typeof from !== "string" || typeof to !== "string") return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Every request carries the measurement's deadline (epoch ms), so a hung server cannot hang the harness. */
export interface Target {
  key: "ours" | "baseline" | "floor";
  label: string;
  submit(job: Job, deadline: number): Promise<string>;
  status(id: string, deadline: number): Promise<Status>;
}

/** A client-side failure that names the system and what it answered. */
export class TargetError extends Error {}

async function call(
  method: string,
  url: string,
  deadline: number,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(Math.max(1_000, deadline - Date.now())),
  }).catch((error: unknown) => {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "no answer before the deadline" : String(error);
    throw new TargetError(`${method} ${new URL(url).pathname}: ${reason}`);
  });
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TargetError(`${method} ${new URL(url).pathname} → ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, json };
}

function expectStatus(method: string, url: string, got: { status: number; json: unknown }, want: number): void {
  if (got.status !== want) {
    throw new TargetError(`${method} ${new URL(url).pathname} → ${got.status} ${JSON.stringify(got.json).slice(0, 300)}`);
  }
}

/**
 * The bench template (and context) for a job. A fan-out of 100 is a static template (root → 100 →
 * join); larger ones are a batch: a batchable root creating `workers` batch workers, then a
 * convergence step, the same n + 2 steps.
 */
export function templateFor(job: Job): { name: string; context: Record<string, unknown> } {
  switch (job.workload) {
    case "chain3":
    case "diamond":
      return { name: job.workload, context: {} };
    case "fanout":
      if (job.n === 100) return { name: "fanout_100", context: {} };
      if (job.n !== undefined && job.n > 0 && job.n <= 10_000) return { name: "batch_fanout", context: { workers: job.n } };
      throw new TargetError(`tasker-edge has no bench template for a fan-out of ${job.n} (a batch holds at most 10,000 workers)`);
    case "hop":
    case "hop_warm":
      throw new TargetError("the engine has no bare hop");
  }
}

const TASKER_TERMINAL_FAILURES = new Set(["error", "cancelled", "resolved_manually", "blocked_by_failures"]);

export function taskerEdge(baseUrl: string): Target {
  return {
    key: "ours",
    label: "tasker-edge",
    async submit(job, deadline) {
      const url = `${baseUrl}/v1/tasks`;
      const { name, context } = templateFor(job);
      const request = {
        name,
        namespace: "bench",
        version: "1.0.0",
        context,
        initiator: "bench",
        source_system: "bench",
        reason: "benchmark",
      };
      const got = await call("POST", url, deadline, request);
      expectStatus("POST", url, got, 201);
      const uuid = got.json.task_uuid;
      if (typeof uuid !== "string") throw new TargetError(`POST /v1/tasks returned no task_uuid: ${JSON.stringify(got.json)}`);
      return uuid;
    },
    async status(id, deadline) {
      const url = `${baseUrl}/v1/tasks/${id}`;
      const got = await call("GET", url, deadline);
      expectStatus("GET", url, got, 200);
      const status = String(got.json.status);
      if (status === "complete") {
        const engineMs = between(got.json.created_at, got.json.completed_at);
        return engineMs === undefined ? { state: "complete" } : { state: "complete", engineMs };
      }
      if (TASKER_TERMINAL_FAILURES.has(status)) return { state: "failed", detail: `task ${id} ended ${status}` };
      return { state: "running" };
    },
  };
}

export function workflowsBaseline(baseUrl: string): Target {
  return {
    key: "baseline",
    label: "Cloudflare Workflows",
    async submit(job, deadline) {
      if (job.workload === "hop" || job.workload === "hop_warm") throw new TargetError("Workflows has no bare hop");
      const url = `${baseUrl}/run/${job.workload}`;
      const got = await call("POST", url, deadline, job.n === undefined ? {} : { n: job.n });
      expectStatus("POST", url, got, 201);
      return String(got.json.id);
    },
    async status(id, deadline) {
      const url = `${baseUrl}/status/${id}`;
      const got = await call("GET", url, deadline);
      expectStatus("GET", url, got, 200);
      const status = String(got.json.status);
      if (status === "complete") {
        const output = got.json.output as { started_at?: unknown; finished_at?: unknown } | null | undefined;
        const engineMs =
          typeof output?.started_at === "number" && typeof output.finished_at === "number"
            ? output.finished_at - output.started_at
            : undefined;
        return engineMs === undefined ? { state: "complete" } : { state: "complete", engineMs };
      }
      if (status === "errored" || status === "terminated") {
        return { state: "failed", detail: `instance ${id} ${status}: ${JSON.stringify(got.json.error ?? null)}` };
      }
      return { state: "running" };
    },
  };
}

export function floor(baseUrl: string): Target {
  return {
    key: "floor",
    label: "platform floor",
    async submit(job, deadline) {
      const url = job.workload === "hop_warm" ? `${baseUrl}/hop?object=warm` : `${baseUrl}/hop`;
      const got = await call("POST", url, deadline);
      expectStatus("POST", url, got, 201);
      return String(got.json.id);
    },
    async status(id, deadline) {
      const url = `${baseUrl}/status/${id}`;
      const got = await call("GET", url, deadline);
      expectStatus("GET", url, got, 200);
      return got.json.status === "complete" ? { state: "complete" } : { state: "running" };
    },
  };
}
