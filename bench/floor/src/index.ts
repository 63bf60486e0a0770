// Benchmark floor Worker: HTTP → queue send → consumer → Durable Object RPC, observable through GET /status/:id.
import { DurableObject } from "cloudflare:workers";

interface Env {
  SINK: DurableObjectNamespace<HopSink>;
  HOPS: Queue<HopMessage>;
}

interface HopMessage {
  id: string;
  object: string;
}

/** The object a hop reports to: a fresh one per hop (like a task's first step) or one long-lived "warm" object. */
const WARM_OBJECT = "warm";

/** SQLite-backed like a TaskObject: the consumer's RPC records the hop, a status read looks it up. */
export class HopSink extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hop (id TEXT PRIMARY KEY, done_at INTEGER NOT NULL)");
  }

  complete(id: string): void {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO hop (id, done_at) VALUES (?, ?)", id, Date.now());
  }

  status(id: string): "complete" | "pending" {
    return this.ctx.storage.sql.exec("SELECT 1 FROM hop WHERE id = ?", id).toArray().length > 0 ? "complete" : "pending";
  }
}

/** Hop ids say which object holds them: `warm.<uuid>` for the shared object, a bare uuid for a fresh one. */
function objectOf(id: string): string {
  return id.startsWith(`${WARM_OBJECT}.`) ? WARM_OBJECT : id;
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    const [, route, arg] = url.pathname.split("/");
    if (request.method === "GET" && url.pathname === "/health") return json({ status: "healthy" });
    if (request.method === "POST" && route === "hop") {
      const warm = url.searchParams.get("object") === WARM_OBJECT;
      const id = warm ? `${WARM_OBJECT}.${crypto.randomUUID()}` : crypto.randomUUID();
      await env.HOPS.send({ id, object: objectOf(id) });
      return json({ id }, 201);
    }
    if (request.method === "GET" && route === "status" && arg) {
      return json({ status: await env.SINK.getByName(objectOf(arg)).status(arg) });
    }
    return json({ error: "not found" }, 404);
  },

  async queue(batch, env): Promise<void> {
    await Promise.all(
      batch.messages.map(async (message) => {
        await env.SINK.getByName(message.body.object).complete(message.body.id);
        message.ack();
      }),
    );
  },
} satisfies ExportedHandler<Env, HopMessage>;
