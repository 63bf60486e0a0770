// Benchmark baseline Worker: chain3, diamond and fanout DAGs on Cloudflare Workflows, driven over HTTP.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface Env {
  DAG: Workflow<DagParams>;
}

type Workload = "chain3" | "diamond" | "fanout";
interface DagParams {
  workload: Workload;
  n: number;
}

const WORKLOADS: readonly Workload[] = ["chain3", "diamond", "fanout"];
const MAX_FANOUT = 10_000;

/** Explicit, small step config: retries are allowed but never wait, so no step ever sleeps. */
const STEP = { retries: { limit: 3, delay: 0, backoff: "constant" }, timeout: "1 minute" } as const;

/** The trivial step body, the counterpart of tasker-edge's NoopHandler. */
const noop = async () => ({ ok: true });

export class BenchDagWorkflow extends WorkflowEntrypoint<Env, DagParams> {
  override async run(event: WorkflowEvent<DagParams>, step: WorkflowStep) {
    const { workload, n } = event.payload;
    // The engine-recorded time, for the benchmark's second view: the instance's creation to the end
    // of its last step, timed inside this Worker (the counterpart of a task's created_at → completed_at).
    const timed = (steps: number) => ({ steps, started_at: event.timestamp.getTime(), finished_at: Date.now() });
    switch (workload) {
      case "chain3":
        await step.do("a", STEP, noop);
        await step.do("b", STEP, noop);
        await step.do("c", STEP, noop);
        return timed(3);
      case "diamond":
        await step.do("a", STEP, noop);
        await Promise.all([step.do("b", STEP, noop), step.do("c", STEP, noop)]);
        await step.do("d", STEP, noop);
        return timed(4);
      case "fanout":
        await step.do("root", STEP, noop);
        await Promise.all(Array.from({ length: n }, (_, i) => step.do(`branch_${i}`, STEP, noop)));
        await step.do("join", STEP, noop);
        return timed(n + 2);
    }
  }
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    const [, route, arg] = url.pathname.split("/");
    if (request.method === "GET" && url.pathname === "/health") return json({ status: "healthy" });
    if (request.method === "POST" && route === "run" && arg) {
      if (!WORKLOADS.includes(arg as Workload)) return json({ error: `unknown workload ${arg}` }, 404);
      const body = (await request.json().catch(() => ({}))) as { n?: unknown };
      const n = typeof body.n === "number" && Number.isInteger(body.n) ? body.n : 100;
      if (n < 1 || n > MAX_FANOUT) return json({ error: `n must be 1..${MAX_FANOUT}` }, 400);
      const instance = await env.DAG.create({ params: { workload: arg as Workload, n } });
      return json({ id: instance.id }, 201);
    }
    if (request.method === "GET" && route === "status" && arg) {
      const instance = await env.DAG.get(arg);
      const { status, error, output } = await instance.status();
      return json({ status, error, output });
    }
    return json({ error: "not found" }, 404);
  },
} satisfies ExportedHandler<Env>;
