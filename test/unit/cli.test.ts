// The `tasker` command line's pure parts: argument parsing, command resolution, the DAG tree, colour, and exit codes over a fake API.
import { describe, expect, it } from "vitest";
import { parseArgs, resolveCommand, UsageError } from "../../src/cli/args";
import { COMMANDS, EXIT, scheduleFilters, scheduleRequest } from "../../src/cli/commands";
import { type CliIo, runCli } from "../../src/cli/run";
import { styleFor } from "../../src/cli/style";
import { FOLD_SIBLINGS_ABOVE, renderStepTree, type StepLike } from "../../src/cli/tree";

const plain = styleFor({ isTTY: false, env: {}, noColor: false });

function step(name: string, state: string, dependencies: string[] = [], extra: Partial<StepLike> = {}): StepLike {
  return {
    name,
    current_state: state,
    dependencies,
    attempts: 1,
    max_attempts: 3,
    callable: `${name}_handler`,
    last_error: null,
    next_retry_at: null,
    child_task_uuid: null,
    ...extra,
  };
}

describe("parseArgs", () => {
  it("separates positionals, value options in both spellings, and flags", () => {
    expect(parseArgs(["tasks", "list", "--status", "error", "--per-page=5", "--json"])).toEqual({
      positionals: ["tasks", "list"],
      options: { status: "error", "per-page": "5", json: true },
    });
  });

  it("keeps everything after -- as positionals, and -h as help", () => {
    expect(parseArgs(["-h", "steps", "--", "--odd"])).toEqual({ positionals: ["steps", "--odd"], options: { help: true } });
  });

  it("refuses a value option without its value, a flag with one, and an option given twice", () => {
    expect(() => parseArgs(["tasks", "list", "--status"])).toThrow(UsageError);
    expect(() => parseArgs(["--json=yes"])).toThrow("--json takes no value");
    expect(() => parseArgs(["--name", "a", "--name", "b"])).toThrow("--name is given twice");
    expect(() => parseArgs(["--reason", "--yes"])).toThrow("--reason needs a value");
  });
});

describe("resolveCommand", () => {
  const resolve = (argv: string[]) => resolveCommand(COMMANDS, parseArgs(argv));

  it("takes the longest command path, so `tasks bulk status` is not the bulk action `status`", () => {
    expect(resolve(["tasks", "bulk", "status", "j1"]).spec.path).toEqual(["tasks", "bulk", "status"]);
    const call = resolve(["tasks", "bulk", "cancel", "--status", "error", "--reason", "x"]);
    expect(call.spec.path).toEqual(["tasks", "bulk"]);
    expect(call.args).toEqual({ action: "cancel" });
  });

  it("names missing and extra arguments and unknown options", () => {
    expect(() => resolve(["steps", "retry", "t1"])).toThrow("steps retry: missing <step>");
    expect(() => resolve(["tasks", "show", "a", "b"])).toThrow('unexpected argument "b"');
    expect(() => resolve(["tasks", "show", "a", "--status", "x"])).toThrow("unknown option --status");
    expect(() => resolve(["tasks", "frobnicate"])).toThrow("unknown command: tasks frobnicate");
  });

  it("leaves optional arguments undefined", () => {
    expect(resolve(["templates", "show", "demo", "x"]).args).toEqual({ namespace: "demo", name: "x", version: undefined });
  });
});

describe("renderStepTree", () => {
  it("hangs each step under its first dependency and notes the others", () => {
    const lines = renderStepTree(
      [
        step("validate", "complete"),
        step("reserve", "complete", ["validate"]),
        step("charge", "error", ["validate"], {
          attempts: 3,
          last_error: {
            message: "card declined",
            error_code: "declined",
            retryable: false,
            attempt: 3,
            at: "2026-11-01T00:00:00.000Z",
          },
        }),
        step("ship", "pending", ["reserve", "charge"]),
      ],
      plain,
    );
    expect(lines).toEqual([
      "└─ validate  complete",
      "   ├─ reserve  complete",
      "   │  └─ ship  pending  after reserve, charge",
      "   └─ charge  error  attempt 3/3  declined: card declined",
    ]);
  });

  it("folds a batch's many workers into one line with counts per state", () => {
    const workers = Array.from({ length: FOLD_SIBLINGS_ABOVE + 3 }, (_, i) =>
      step(`worker_${i}`, i < 5 ? "complete" : "pending", ["plan"], { callable: "worker" }),
    );
    const lines = renderStepTree([step("plan", "complete"), ...workers, step("sum", "pending", ["plan"])], plain);
    expect(lines).toEqual([
      "└─ plan  complete",
      `   ├─ ${FOLD_SIBLINGS_ABOVE + 3} × worker  5 complete, ${FOLD_SIBLINGS_ABOVE - 2} pending`,
      "   └─ sum  pending",
    ]);
  });

  it("colours states only when the style is on", () => {
    const tty = styleFor({ isTTY: true, env: {}, noColor: false });
    expect(renderStepTree([step("a", "complete")], tty)[0]).toContain("\u001b[32mcomplete\u001b[39m");
    expect(styleFor({ isTTY: true, env: { NO_COLOR: "1" }, noColor: false }).enabled).toBe(false);
    expect(styleFor({ isTTY: true, env: {}, noColor: true }).enabled).toBe(false);
    expect(styleFor({ isTTY: false, env: {}, noColor: false }).enabled).toBe(false);
  });
});

describe("runCli", () => {
  function fakeIo(answer: (url: string, init?: RequestInit) => Response) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      isTTY: false,
      env: { TASKER_URL: "http://api.test" },
      readFile: async () => "name: broken\n",
      sleep: async () => undefined,
      fetch: async (url, init) => answer(url, init),
    };
    return { io, out, err };
  }
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  it("exits 2 with the usage for a mistake in the call", async () => {
    const { io, err } = fakeIo(() => json({}));
    expect(await runCli(["tasks", "show"], io)).toBe(EXIT.usage);
    expect(err.join("\n")).toContain("tasks show: missing <task_uuid>");
    expect(err.join("\n")).toContain("Exit codes:");
  });

  it("exits 3 with the API's code and message when it refuses", async () => {
    const { io, err } = fakeIo(() => json({ error: { code: "unauthorized", message: "invalid API key" } }, 401));
    expect(await runCli(["tasks", "list"], io)).toBe(EXIT.api);
    expect(err).toEqual(["tasker: 401 unauthorized: invalid API key"]);
  });

  it("exits 1 for an invalid template, each problem at its key path", async () => {
    const seen: string[] = [];
    const { io, err } = fakeIo((url, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      seen.push(`${init?.method} ${url} ${headers["content-type"]}`);
      return json({ valid: false, problems: [{ path: "steps", message: "is required" }] });
    });
    expect(await runCli(["templates", "validate", "broken.yaml"], io)).toBe(EXIT.failed);
    expect(seen).toEqual(["POST http://api.test/v1/templates/validate application/yaml"]);
    expect(err).toEqual(["broken.yaml: 1 problem", "  steps: is required"]);
  });

  it("runs nothing on a bulk action without --yes", async () => {
    const bodies: unknown[] = [];
    const { io, out } = fakeIo((_url, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return json({ dry_run: true, action: "cancel", filter: { status: "error" }, matched: 12, sample: ["t1", "t2"] });
    });
    expect(await runCli(["tasks", "bulk", "cancel", "--status", "error", "--reason", "incident"], io)).toBe(EXIT.ok);
    expect(bodies).toEqual([{ action: "cancel", reason: "incident", filter: { status: "error" }, dry_run: true }]);
    expect(out[0]).toBe("dry run: cancel would act on 12 tasks");
    expect(out.at(-1)).toContain("--yes");
  });

  it("sends an event to the waiting tasks, to one task with --task, and refuses a payload that is not JSON", async () => {
    const calls: string[] = [];
    const { io, out } = fakeIo((url, init) => {
      calls.push(`${init?.method} ${url} ${String(init?.body)}`);
      const receipt = { task_uuid: "t1", event_id: "e1", status: "delivered", step_uuid: "s1", step_name: "wait" };
      return json(url.endsWith("/v1/events") ? { event_id: "e1", name: "ping", receipts: [receipt], truncated: false } : receipt);
    });
    expect(await runCli(["events", "send", "ping", "--payload", '{"id":1}', "--correlation-id", "c-1"], io)).toBe(EXIT.ok);
    expect(await runCli(["events", "send", "ping", "--task", "t1", "--event-id", "e1"], io)).toBe(EXIT.ok);
    expect(calls).toEqual([
      'POST http://api.test/v1/events {"name":"ping","payload":{"id":1},"correlation_id":"c-1"}',
      'POST http://api.test/v1/tasks/t1/events {"name":"ping","payload":null,"event_id":"e1"}',
    ]);
    expect(out).toEqual(["t1  delivered  wait", "t1  delivered  wait"]);
    expect(await runCli(["events", "send", "ping", "--payload", "{oops"], io)).toBe(EXIT.usage);
    expect(await runCli(["events", "send", "ping", "--task", "t1", "--correlation-id", "c"], io)).toBe(EXIT.usage);
    expect(calls).toHaveLength(2);
  });

  it("pauses and resumes a task with the reason and who", async () => {
    const bodies: string[] = [];
    const { io, out } = fakeIo((url, init) => {
      bodies.push(`${url} ${String(init?.body)}`);
      return json({ task_uuid: "t1", status: "steps_in_process", paused: url.endsWith("/pause") ? { reason: "x" } : null });
    });
    expect(await runCli(["tasks", "pause", "t1", "--reason", "outage", "--by", "ops"], io)).toBe(EXIT.ok);
    expect(await runCli(["tasks", "resume", "t1", "--reason", "back", "--by", "ops"], io)).toBe(EXIT.ok);
    expect(bodies).toEqual([
      'http://api.test/v1/tasks/t1/pause {"reason":"outage","performed_by":"ops"}',
      'http://api.test/v1/tasks/t1/resume {"reason":"back","performed_by":"ops"}',
    ]);
    expect(out).toEqual(["t1  steps_in_process  paused", "t1  steps_in_process  running"]);
  });

  it("exits 1 when a schedule's trigger fails to start its task", async () => {
    const { io, out } = fakeIo(() =>
      json({ outcome: "failed", task_uuid: null, detail: "template_not_found", schedule: { schedule_id: "a.b" } }),
    );
    expect(await runCli(["schedules", "trigger", "a.b"], io)).toBe(EXIT.failed);
    expect(out).toEqual(["a.b  failed  template_not_found"]);
  });
});

describe("schedules arguments", () => {
  const options = (argv: string[]) => parseArgs(argv).options;

  it("builds a create request from the flags", () => {
    expect(
      scheduleRequest(
        options([
          "--namespace",
          "analytics",
          "--template",
          "sales_report",
          "--name",
          "nightly",
          "--cron",
          "0 2 * * *",
          "--timezone",
          "Europe/Paris",
          "--context",
          '{"orders":[]}',
          "--overlap",
          "buffer_one",
          "--catch-up",
          "2",
        ]),
      ),
    ).toEqual({
      namespace: "analytics",
      template_name: "sales_report",
      name: "nightly",
      cron: "0 2 * * *",
      timezone: "Europe/Paris",
      context: { orders: [] },
      overlap: "buffer_one",
      catch_up: 2,
    });
    expect(scheduleRequest(options(["--namespace", "a", "--template", "t", "--name", "n", "--interval", "15m"]))).toEqual({
      namespace: "a",
      template_name: "t",
      name: "n",
      interval: "15m",
    });
  });

  it("refuses a create without its timing, with both, a timezone without cron, or a bad context or overlap", () => {
    const base = ["--namespace", "a", "--template", "t", "--name", "n"];
    expect(() => scheduleRequest(options(base))).toThrow("give --cron or --interval, not both");
    expect(() => scheduleRequest(options([...base, "--cron", "* * * * *", "--interval", "1m"]))).toThrow("not both");
    expect(() => scheduleRequest(options([...base, "--interval", "1m", "--timezone", "UTC"]))).toThrow(
      "--timezone goes with --cron",
    );
    expect(() => scheduleRequest(options([...base, "--interval", "1m", "--context", "[1]"]))).toThrow("must be a JSON object");
    expect(() => scheduleRequest(options([...base, "--interval", "1m", "--context", "{"]))).toThrow("not valid JSON");
    expect(() => scheduleRequest(options([...base, "--interval", "1m", "--overlap", "queue"]))).toThrow("--overlap is");
    expect(() => scheduleRequest(options(["--template", "t", "--name", "n", "--interval", "1m"]))).toThrow(
      "--namespace is required",
    );
  });

  it("maps the list filters to the API's names and checks their values", () => {
    expect(
      scheduleFilters(options(["--namespace", "a", "--template", "t", "--source", "api", "--paused", "true", "--page", "2"])),
    ).toEqual({
      namespace: "a",
      template_name: "t",
      source: "api",
      paused: "true",
      page: 2,
    });
    expect(() => scheduleFilters(options(["--paused", "yes"]))).toThrow(UsageError);
    expect(() => scheduleFilters(options(["--source", "cron"]))).toThrow(UsageError);
  });

  it("resolves the schedule and event commands, refusing options of other commands", () => {
    const resolve = (argv: string[]) => resolveCommand(COMMANDS, parseArgs(argv));
    expect(resolve(["schedules", "trigger", "a.b"]).args).toEqual({ schedule_id: "a.b" });
    expect(resolve(["events", "send", "ping", "--task", "t1"]).args).toEqual({ name: "ping" });
    expect(() => resolve(["schedules", "pause"])).toThrow("schedules pause: missing <schedule_id>");
    expect(() => resolve(["schedules", "list", "--cron", "x"])).toThrow("unknown option --cron");
  });
});
