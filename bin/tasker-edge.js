#!/usr/bin/env node
// tasker-edge's command line: `init` writes a new orchestrator or handler-bundle project from the scaffold shipped in this package.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const scaffoldRoot = join(packageRoot, "scaffold");
const ownPackage = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8"));

const USAGE = `Usage:
  tasker-edge init orchestrator <dir> [--name <worker>] [--namespace <ns>] [--route <ns>]... [--tasker-edge <spec>]
  tasker-edge init handlers <dir> --namespace <ns> [--name <worker>] [--orchestrator <worker>] [--tasker-edge <spec>]

  orchestrator   an orchestrator Worker: the API, task objects, the example template order_fulfillment and its handlers
  handlers       a handler bundle: its own Worker consuming one namespace's queue, running the example handlers

Options:
  --name          the Worker's name (default: the directory's name)
  --namespace     the example template's namespace (default: ecommerce); for handlers, the namespace the bundle serves
  --route         (orchestrator) send this namespace's steps to its handler bundle's queue; repeatable
  --orchestrator  (handlers) the orchestrator Worker's name, whose task objects the bundle reports to (default: tasker-orchestrator)
  --tasker-edge   the dependency spec for tasker-edge, e.g. a tarball path (default: ^${ownPackage.version})`;

/** Namespace and Worker names become queue names and binding names: keep them to what both accept. */
const NAME = /^[a-z0-9][a-z0-9-_]*$/;

function fail(message) {
  console.error(`tasker-edge: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function checkedName(value, what) {
  if (!NAME.test(value)) fail(`${what} "${value}" must be lower-case letters, digits, - and _`);
  return value;
}

/** Every file under a scaffold folder, as paths relative to it. */
function filesUnder(folder, prefix = "") {
  return readdirSync(join(folder, prefix)).flatMap((entry) => {
    const path = join(prefix, entry);
    return statSync(join(folder, path)).isDirectory() ? filesUnder(folder, path) : [path];
  });
}

function fill(text, values) {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (match, key) => (key in values ? values[key] : match));
}

function write(dir, path, text) {
  const target = join(dir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

function init(kind, dir, options) {
  if (existsSync(dir) && readdirSync(dir).length > 0) fail(`${dir} exists and is not empty`);
  const name = checkedName(options.name ?? basename(resolve(dir)), "--name");
  const namespace = checkedName(options.namespace ?? "ecommerce", "--namespace");
  const values = {
    NAME: name,
    NAMESPACE: namespace,
    BINDING: namespace.toUpperCase().replace(/[^A-Z0-9]/g, "_"),
    ORCHESTRATOR: checkedName(options.orchestrator ?? "tasker-orchestrator", "--orchestrator"),
    TASKER_EDGE: options["tasker-edge"] ?? `^${ownPackage.version}`,
    NODE_VERSION: ownPackage.devDependencies.node,
    TYPESCRIPT_VERSION: ownPackage.devDependencies.typescript,
    WRANGLER_VERSION: ownPackage.devDependencies.wrangler,
    COMPATIBILITY_DATE: "2026-11-01",
  };
  const shared = join(scaffoldRoot, "shared");
  const own = join(scaffoldRoot, kind);
  write(dir, "package.json", fill(readFileSync(join(shared, "package.json"), "utf8"), values));
  write(dir, "tsconfig.json", readFileSync(join(shared, "tsconfig.json"), "utf8"));
  write(dir, ".gitignore", readFileSync(join(shared, "gitignore"), "utf8"));
  write(dir, "src/handlers.ts", fill(readFileSync(join(shared, "handlers.ts"), "utf8"), values));
  const routes = (options.route ?? []).map((routed) => {
    const route = {
      ...values,
      NAMESPACE: checkedName(routed, "--route"),
      BINDING: routed.toUpperCase().replace(/[^A-Z0-9]/g, "_"),
    };
    return fill(readFileSync(join(own, "route.toml"), "utf8"), route);
  });
  for (const path of filesUnder(own)) {
    if (path === "route.toml") continue;
    write(dir, path, fill(readFileSync(join(own, path), "utf8"), { ...values, ROUTES: routes.join("") }));
  }
  const shown = relative(process.cwd(), dir) || ".";
  console.log(`Created a tasker-edge ${kind === "orchestrator" ? "orchestrator" : "handler bundle"} "${name}" in ${shown}.

Next:
  cd ${shown}
  npm install
  npm start${kind === "handlers" ? `\n\nThe bundle reports to the orchestrator "${values.ORCHESTRATOR}". Locally, run both in one process from their parent folder:\n  npx wrangler dev -c <orchestrator>/wrangler.toml -c ${shown}/wrangler.toml` : ""}`);
}

function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        namespace: { type: "string" },
        route: { type: "string", multiple: true },
        orchestrator: { type: "string" },
        "tasker-edge": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    fail(error.message);
  }
  const [command, kind, dir] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  if (command !== "init") fail(`unknown command "${command}"`);
  if (kind !== "orchestrator" && kind !== "handlers") fail('init needs "orchestrator" or "handlers"');
  if (dir === undefined) fail("init needs a directory");
  if (kind === "handlers" && parsed.values.namespace === undefined) fail("a handler bundle needs --namespace");
  if (kind === "handlers" && parsed.values.route !== undefined) fail("--route is an orchestrator option");
  init(kind, resolve(dir), parsed.values);
}

main(process.argv.slice(2));
