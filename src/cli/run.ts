// runCli: one invocation of `tasker`, from its arguments to its exit code, with every outside effect passed in.
import { createClient, type FetchLike, TaskerApiError } from "tasker-edge/client";
import { GLOBAL_OPTIONS, parseArgs, resolveCommand, stringOption, UsageError } from "./args";
import { COMMANDS, EXIT } from "./commands";
import { styleFor } from "./style";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (colour only then). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  readFile(path: string): Promise<string>;
  sleep(ms: number): Promise<void>;
  fetch?: FetchLike;
}

/** Where `wrangler dev` (and `npm start`) serves the orchestrator. */
export const DEFAULT_URL = "http://localhost:8787";

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => [...c.path, ...c.args.map((a) => `<${a}>`)].join(" ").length));
  const lines = COMMANDS.map(
    (c) => `  tasker ${[...c.path, ...c.args.map((a) => `<${a}>`)].join(" ").padEnd(width)}  ${c.summary}`,
  );
  return `Usage:
${lines.join("\n")}

Options for every command:
  --url <url>        the orchestrator's URL (env TASKER_URL; default ${DEFAULT_URL})
  --api-key <key>    sent as X-API-Key (env TASKER_API_KEY)
  --token <token>    sent as Authorization: Bearer (env TASKER_TOKEN)
  --json             print the API's JSON, for scripts
  --no-color         plain text even on a terminal (so does NO_COLOR)
Filters (tasks list, tasks bulk): --namespace --name --version --status --initiator --source-system
  --correlation-id --created-after <ISO 8601> --created-before <ISO 8601>

Exit codes: 0 ok · 1 task failed, cancelled or blocked, template invalid, bulk job not clean, trigger failed · 2 usage · 3 API or connection error · 4 watch timed out`;
}

function describeApiError(error: TaskerApiError): string[] {
  const lines = [`tasker: ${error.status} ${error.code}: ${error.message}`];
  const details = error.details;
  if (Array.isArray(details)) {
    for (const item of details) {
      if (typeof item === "object" && item !== null && "path" in item && "message" in item) {
        lines.push(`  ${String(item.path) || "(body)"}: ${String(item.message)}`);
      }
    }
  }
  return lines;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
    if (parsed.options.help === true || parsed.positionals.length === 0) {
      (parsed.positionals.length === 0 && parsed.options.help !== true ? io.stderr : io.stdout)(usage());
      return parsed.options.help === true ? EXIT.ok : EXIT.usage;
    }
    const call = resolveCommand(COMMANDS, parsed);
    const baseUrl = stringOption(call.options, "url") ?? io.env.TASKER_URL ?? DEFAULT_URL;
    const apiKey = stringOption(call.options, "api-key") ?? io.env.TASKER_API_KEY;
    const token = stringOption(call.options, "token") ?? io.env.TASKER_TOKEN;
    const client = createClient({
      baseUrl,
      ...(apiKey ? { apiKey } : {}),
      ...(token ? { bearerToken: token } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
    });
    const style = styleFor({ isTTY: io.isTTY, env: io.env, noColor: call.options["no-color"] === true });
    return await call.spec.run(
      {
        client,
        style,
        json: call.options.json === true,
        out: io.stdout,
        err: io.stderr,
        env: io.env,
        readFile: io.readFile,
        sleep: io.sleep,
      },
      call,
    );
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`tasker: ${error.message}\n\n${usage()}`);
      return EXIT.usage;
    }
    if (error instanceof TaskerApiError) {
      for (const line of describeApiError(error)) io.stderr(line);
      return EXIT.api;
    }
    if (error instanceof TypeError && /fetch/i.test(error.message)) {
      io.stderr(`tasker: cannot reach the orchestrator: ${error.message}${error.cause ? ` (${String(error.cause)})` : ""}`);
      return EXIT.api;
    }
    if (typeof error === "object" && error !== null && (error as { code?: string }).code === "ENOENT") {
      io.stderr(`tasker: ${(error as Error).message}`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** Options every command takes, for the docs and tests. */
export { GLOBAL_OPTIONS };
