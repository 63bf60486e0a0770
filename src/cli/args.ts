// The `tasker` command line's arguments: tokens to positionals and options, and the command they name, checked against its spec.

/** A mistake in how the command was called: exit code 2 with the usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}

/** Options that take no value. */
const FLAGS = new Set(["json", "yes", "help", "no-color", "detach"]);

/** `--key value`, `--key=value`, `--flag`, `-h`; everything after `--` is positional. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === "-h") {
      options.help = true;
      continue;
    }
    if (!token.startsWith("--") || token === "--") {
      positionals.push(token);
      continue;
    }
    const body = token.slice(2);
    const equals = body.indexOf("=");
    const key = equals === -1 ? body : body.slice(0, equals);
    if (key === "") throw new UsageError(`malformed option ${token}`);
    if (key in options) throw new UsageError(`--${key} is given twice`);
    if (FLAGS.has(key)) {
      if (equals !== -1) throw new UsageError(`--${key} takes no value`);
      options[key] = true;
    } else if (equals !== -1) {
      options[key] = body.slice(equals + 1);
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${key} needs a value`);
      options[key] = value;
      i++;
    }
  }
  return { positionals, options };
}

export interface CommandSpec {
  /** The words naming it: `["tasks", "list"]`. */
  path: readonly string[];
  /** Its positional arguments, in order; a trailing `?` marks an optional one. */
  args: readonly string[];
  /** The options it takes besides the global ones. */
  options: readonly string[];
  summary: string;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS = ["url", "api-key", "token", "json", "no-color", "help"] as const;

export interface Invocation<S extends CommandSpec = CommandSpec> {
  spec: S;
  /** Positional arguments by their spec's names (without `?`). */
  args: Record<string, string | undefined>;
  options: Record<string, string | true>;
}

/** The command the positionals name, its arguments checked: unknown options and missing or extra arguments are usage errors. */
export function resolveCommand<S extends CommandSpec>(specs: readonly S[], parsed: ParsedArgs): Invocation<S> {
  const { positionals, options } = parsed;
  const spec = specs
    .filter((candidate) => candidate.path.every((word, i) => positionals[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (spec === undefined) {
    const given = positionals.slice(0, 2).join(" ");
    throw new UsageError(given === "" ? "no command given" : `unknown command: ${given}`);
  }
  const rest = positionals.slice(spec.path.length);
  const required = spec.args.filter((name) => !name.endsWith("?")).length;
  if (rest.length < required) {
    const missing = spec.args.slice(rest.length).filter((name) => !name.endsWith("?"));
    throw new UsageError(`${spec.path.join(" ")}: missing ${missing.map((name) => `<${name}>`).join(" ")}`);
  }
  if (rest.length > spec.args.length) {
    throw new UsageError(`${spec.path.join(" ")}: unexpected argument ${JSON.stringify(rest[spec.args.length])}`);
  }
  const allowed = new Set<string>([...GLOBAL_OPTIONS, ...spec.options]);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new UsageError(`${spec.path.join(" ")}: unknown option --${key}`);
  }
  const args: Record<string, string | undefined> = {};
  spec.args.forEach((name, i) => {
    args[name.replace(/\?$/, "")] = rest[i];
  });
  return { spec, args, options };
}

/** A string option's value; `true` (a flag given to a value option) cannot happen for value options, so it is refused. */
export function stringOption(options: Record<string, string | true>, key: string): string | undefined {
  const value = options[key];
  if (value === true) throw new UsageError(`--${key} needs a value`);
  return value;
}

/** A whole-number option from `min` to `max`. */
export function numberOption(options: Record<string, string | true>, key: string, min: number, max: number): number | undefined {
  const text = stringOption(options, key);
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${key} must be a whole number from ${min} to ${max}`);
  return value;
}
