// Runs one Worker locally with wrangler's startWorker API (no file watching) until SIGTERM; prints a ready line.
import { unstable_startWorker } from "wrangler";

const [configPath, port, inspectorPort, persistDir] = process.argv.slice(2);
const inspectorOff = inspectorPort === "off";
// Extra Worker vars (BENCH_WORKER_VARS, a JSON object of strings) and wrangler's log level, set by the harness.
const vars = JSON.parse(process.env.BENCH_WORKER_VARS || "{}");
const bindings = Object.fromEntries(
  Object.entries(vars).map(([name, value]) => [name, { type: "plain_text", value: String(value) }]),
);
if (!configPath || !port || !inspectorPort || !persistDir) {
  console.error("usage: dev-server.mjs <wrangler config> <port> <inspector port | off> <persist dir>");
  process.exit(2);
}

const worker = await unstable_startWorker({
  config: configPath,
  ...(Object.keys(bindings).length > 0 ? { bindings } : {}),
  dev: {
    server: { hostname: "127.0.0.1", port: Number(port) },
    inspector: inspectorOff ? false : { hostname: "127.0.0.1", port: Number(inspectorPort) },
    persist: persistDir,
    // A benchmark must not reload the Worker halfway because someone saved a file.
    watch: false,
    liveReload: false,
    logLevel: process.env.BENCH_LOG_LEVEL || "warn",
  },
});
await worker.ready;
const url = await worker.url;
console.log(`BENCH_READY ${JSON.stringify({ url: url.href, pid: process.pid })}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await worker.dispose().catch((error) => console.error("dispose failed:", error));
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// The harness closes our stdin when it exits, even if it crashes: stop then too.
process.stdin.on("end", stop);
process.stdin.resume();
