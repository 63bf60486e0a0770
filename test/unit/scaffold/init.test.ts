import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const bin = new URL("../../../bin/tasker-edge.js", import.meta.url).pathname;
const ownVersion = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")).version;
const folders: string[] = [];

function scratch(): string {
  const folder = mkdtempSync(join(tmpdir(), "tasker-edge-init-"));
  folders.push(folder);
  return folder;
}

function init(...args: string[]) {
  return spawnSync(process.execPath, [bin, "init", ...args], { encoding: "utf8" });
}

function filesUnder(folder: string, prefix = ""): string[] {
  return readdirSync(join(folder, prefix)).flatMap((entry) => {
    const path = join(prefix, entry);
    return statSync(join(folder, path)).isDirectory() ? filesUnder(folder, path) : [path];
  });
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe("tasker-edge init", () => {
  it("writes an orchestrator that routes a namespace to its bundle's queue, every placeholder filled", () => {
    const dir = join(scratch(), "shop");
    const result = init("orchestrator", dir, "--route", "billing-eu");
    expect(result.status).toBe(0);
    expect(filesUnder(dir).sort()).toEqual([
      ".gitignore",
      "package.json",
      "src/handlers.ts",
      "src/index.ts",
      "templates/order_fulfillment.yaml",
      "tsconfig.json",
      "wrangler.toml",
    ]);
    for (const file of filesUnder(dir)) expect(readFileSync(join(dir, file), "utf8")).not.toContain("{{");
    const wrangler = readFileSync(join(dir, "wrangler.toml"), "utf8");
    expect(wrangler).toContain('name = "shop"');
    expect(wrangler).toContain('binding = "STEPS_BILLING_EU"\nqueue = "tasker-steps-billing-eu"');
    expect(wrangler).toContain('queue = "tasker-steps-billing-eu-dlq"');
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(manifest.dependencies["tasker-edge"]).toBe(`^${ownVersion}`);
    expect(readFileSync(join(dir, "templates/order_fulfillment.yaml"), "utf8")).toContain("namespace_name: ecommerce");
  });

  it("writes a handler bundle consuming its namespace's queue and reporting to the named orchestrator", () => {
    const dir = join(scratch(), "billing");
    const result = init(
      "handlers",
      dir,
      "--namespace",
      "billing",
      "--orchestrator",
      "shop",
      "--tasker-edge",
      "file:../tasker-edge.tgz",
    );
    expect(result.status).toBe(0);
    const wrangler = readFileSync(join(dir, "wrangler.toml"), "utf8");
    expect(wrangler).toContain('script_name = "shop"');
    expect(wrangler).toContain('queue = "tasker-steps-billing"\n');
    expect(wrangler).toContain('dead_letter_queue = "tasker-steps-billing-dlq"');
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies["tasker-edge"]).toBe(
      "file:../tasker-edge.tgz",
    );
    expect(readFileSync(join(dir, "src/handlers.ts"), "utf8")).toContain('const HANDLED_BY = "billing";');
  });

  it.each([
    ["a bundle without a namespace", ["handlers", "x"], "needs --namespace"],
    ["a name a queue cannot carry", ["orchestrator", "x", "--name", "Shop Orchestrator"], "must be lower-case"],
    ["an unknown project kind", ["website", "x"], 'needs "orchestrator" or "handlers"'],
    ["--route on a bundle", ["handlers", "x", "--namespace", "a", "--route", "b"], "orchestrator option"],
  ])("refuses %s", (_label, args, message) => {
    const [kind, dir, ...rest] = args as [string, string, ...string[]];
    const result = init(kind, join(scratch(), dir), ...rest);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("refuses a folder that is not empty", () => {
    const dir = scratch();
    expect(init("orchestrator", join(dir, "a")).status).toBe(0);
    const again = init("orchestrator", join(dir, "a"));
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("is not empty");
  });
});
