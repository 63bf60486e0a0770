// Benchmark floor Worker: HTTP → queue send → consumer → Durable Object RPC, observable through GET /status/:id.
import { DurableObject } from "cloudflare:workers";

interface Env {
  SINK: DurableObjectNamespace<HopSink>;
  HOPS: Queue<HopMessage>;
}

interface HopMessage {
  id: string;
}

/** One object per hop, SQLite-backed like a TaskObject: the consumer's RPC marks the hop complete. */
export class HopSink extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hop (id INTEGER PRIMARY KEY CHECK (id = 1), done_at INTEGER NOT NULL)");
  }

  complete(): void {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO hop (id, done_at) VALUES (1, ?)", Date.now());
  }

  status(): "complete" | "pending" {
    return this.ctx.storage.sql.exec("SELECT 1 FROM hop").toArray().length > 0 ? "complete" : "pending";
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
    if (request.method === "POST" && route === "hop") {
      const id = crypto.randomUUID();
      await env.HOPS.send({ id });
      return json({ id }, 201);
    }
    if (request.method === "GET" && route === "status" && arg) {
      return json({ status: await env.SINK.getByName(arg).status() });
    }
    return json({ error: "not found" }, 404);
  },

  async queue(batch, env): Promise<void> {
    await Promise.all(
      batch.messages.map(async (message) => {
        await env.SINK.getByName(message.body.id).complete();
        message.ack();
      }),
    );
  },
} satisfies ExportedHandler<Env, HopMessage>;
