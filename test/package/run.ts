// The packed-package test: what users install is what this checks. Packs tasker-edge, scaffolds an orchestrator and a
// handler bundle outside the repository, installs the tarball, type-checks them with strict flags, dry-run deploys
// both, runs them together in workerd (no account) and completes order_fulfillment with the bundle's own handlers;
// a plain Node 22 project type-checks and runs the packed client.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, killGroupsOnExit, quietEnv, spawnGroup, startWranglerDev } from "../support/wrangler-dev.ts";

const repo = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "tasker-edge-package-"));
const keep = process.env.KEEP_PACKAGE_TEST === "1";
const started = Date.now();

function say(message: string): void {
  console.log(`[package ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);
}

killGroupsOnExit(() => {
  if (!keep) rmSync(work, { recursive: true, force: true });
});

/** Runs a command in its own process group; resolves with its output, rejects (showing the output) when it fails. */
function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(command, args, { cwd, env: quietEnv() });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(" ")} (in ${cwd}) failed with ${code ?? signal}:\n${output.slice(-6000)}`));
    });
  });
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

const STRICT_FLAGS = [
  "--strict",
  "--noUncheckedIndexedAccess",
  "--exactOptionalPropertyTypes",
  "--noPropertyAccessFromIndexSignature",
];

async function main(): Promise<void> {
  say(`work folder ${work}`);
  await run("npm", ["pack", "--pack-destination", work], repo);
  const tarballName = readdirSync(work).find((name) => name.endsWith(".tgz"));
  assert(tarballName !== undefined, "npm pack wrote a tarball");
  const tarball = join(work, tarballName);
  say(`packed ${tarballName}`);

  // The scaffold runs from the unpacked tarball: the bin and templates users get.
  const unpacked = join(work, "unpacked");
  mkdirSync(unpacked);
  await run("tar", ["xzf", tarball, "-C", unpacked], work);
  const bin = join(unpacked, "package", "bin", "tasker-edge.js");
  const orchestrator = join(work, "orchestrator");
  const handlers = join(work, "handlers");
  const spec = `file:${tarball}`;
  await run(
    "node",
    [bin, "init", "orchestrator", orchestrator, "--name", "shop-orchestrator", "--route", "ecommerce", "--tasker-edge", spec],
    work,
  );
  await run(
    "node",
    [
      bin,
      "init",
      "handlers",
      handlers,
      "--namespace",
      "ecommerce",
      "--name",
      "shop-handlers",
      "--orchestrator",
      "shop-orchestrator",
      "--tasker-edge",
      spec,
    ],
    work,
  );

  // A plain Node 22 project using only the client, with Node's types and none of Cloudflare's.
  const client = join(work, "client");
  mkdirSync(client);
  copyFileSync(join(repo, "test/package/client-check.ts"), join(client, "client-check.ts"));
  writeFileSync(
    join(client, "package.json"),
    JSON.stringify({ name: "client-check", private: true, type: "module", dependencies: { "tasker-edge": spec } }, null, 2),
  );
  say("installing the scaffolded projects and the client check");
  const install = ["install", "--no-audit", "--no-fund", "--prefer-offline"];
  await Promise.all([run("npm", install, orchestrator), run("npm", install, handlers), run("npm", install, client)]);

  say(
    "type-checking both projects (their tsconfig: strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, noPropertyAccessFromIndexSignature)",
  );
  await Promise.all([run("npm", ["run", "typecheck"], orchestrator), run("npm", ["run", "typecheck"], handlers)]);
  // Once more reading every declaration file too: the package's bundled .d.ts must hold under the same flags.
  const withLibs = ["exec", "--", "tsc", "--noEmit", "--skipLibCheck", "false"];
  await Promise.all([run("npm", withLibs, orchestrator), run("npm", withLibs, handlers)]);
  const tsc = join(repo, "node_modules/.bin/tsc");
  await run(
    tsc,
    [
      ...STRICT_FLAGS,
      "--noEmit",
      "--skipLibCheck",
      "false",
      "--target",
      "es2024",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--types",
      "node",
      "--typeRoots",
      join(repo, "node_modules/@types"),
      "client-check.ts",
    ],
    client,
  );

  say("wrangler deploy --dry-run, both");
  await Promise.all([
    run("npm", ["exec", "--", "wrangler", "deploy", "--dry-run", "--outdir", "dist"], orchestrator),
    run("npm", ["exec", "--", "wrangler", "deploy", "--dry-run", "--outdir", "dist"], handlers),
  ]);

  const closedPort = await freePort();
  const refusal = JSON.parse(
    await run(
      "node",
      [
        "--experimental-strip-types",
        "--disable-warning=ExperimentalWarning",
        "client-check.ts",
        "refused",
        `http://127.0.0.1:${closedPort}`,
      ],
      client,
    ),
  );
  assert(
    refusal.refused === true && refusal.error === "TypeError" && refusal.code === "ECONNREFUSED",
    `the client reports a refused connection: ${JSON.stringify(refusal)}`,
  );
  say("the packed client type-checks with Node's types only and reports a refused connection");

  say("wrangler dev: orchestrator and handler bundle together");
  const dev = await startWranglerDev({
    cwd: orchestrator,
    configs: ["wrangler.toml", "../handlers/wrangler.toml"],
    persistTo: join(work, "state"),
  });
  const baseUrl = dev.baseUrl;
  say(`listening on ${baseUrl}`);
  try {
    const result = JSON.parse(
      await run(
        "node",
        ["--experimental-strip-types", "--disable-warning=ExperimentalWarning", "client-check.ts", "run", baseUrl],
        client,
        180_000,
      ),
    );
    say(`order_fulfillment: ${JSON.stringify(result)}`);
    assert(result.status === "complete", "order_fulfillment completes");
    const names = result.steps.map((step: { name: string }) => step.name).sort();
    assert(
      JSON.stringify(names) === JSON.stringify(["charge_payment", "reserve_inventory", "validate_order"]),
      "all three steps ran",
    );
    for (const step of result.steps) {
      assert(step.state === "complete", `${step.name} completed`);
      assert(step.results?.handled_by === "shop-handlers", `${step.name} ran in the handler bundle, not the orchestrator`);
    }
    assert(result.unknownTask?.status === 404, "an unknown task is the client's typed 404 error");
  } catch (error) {
    console.error(`wrangler dev output:\n${dev.output().slice(-8000)}`);
    throw error;
  }
  say("the scaffolded orchestrator and handler bundle completed order_fulfillment with the bundle's handlers");
}

main().then(
  () => {
    say("passed");
    process.exit(0);
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
