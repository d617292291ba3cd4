import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiError } from '../api/node-api';
import type { CliEnv, CliOutput } from './cli-output';
import { ExitCode } from './exit-code';

/** The options a command declares, as `parseArgs` takes them. */
export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** A command as `main.ts` registers it: its arguments (after its name) in, its exit code out. */
export type Command = (args: string[], out: CliOutput, env: CliEnv) => Promise<number>;

/** A usage or input error: printed with the command's usage, exit code 2, nothing sent. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * An input the command could not read (a file missing, too large, not UTF-8 or not JSON): exit
 * code 2 like a usage error, but the command line was right, so its usage is not printed.
 */
export class InputError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The parsed command line of one command, read by name. */
export class CommandArgs {
  constructor(
    private readonly values: Readonly<Record<string, unknown>>,
    readonly positionals: readonly string[],
  ) {}

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
    return value;
  }

  strings(name: string): string[] {
    const value = this.values[name];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  /** An integer option within [min, max], or undefined when absent. */
  int(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
    }
    return value;
  }
}

export interface CommandContext {
  readonly args: CommandArgs;
  /** `--json`: machine-readable JSON on stdout instead of text. */
  readonly json: boolean;
  readonly out: CliOutput;
  readonly env: CliEnv;
}

export interface CommandSpec {
  /** The usage text, first line `usage: regulink …`. */
  readonly usage: string;
  readonly options?: ParseArgsOptionsConfig;
  /** How many positional arguments it takes. */
  readonly positionals?: { readonly min: number; readonly max: number; readonly what: string };
  action(context: CommandContext): Promise<number>;
}

const COMMON_OPTIONS: ParseArgsOptionsConfig = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** A command line read against the options a command declares, or a request for its usage. */
export type ParsedCommandLine =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly values: Readonly<Record<string, unknown>>;
      readonly positionals: string[];
    };

/**
 * Reads a command line strictly (`node:util` parseArgs) with the rules every command shares:
 * - `--help` or `-h` given as an option asks for the usage, but not where it stands for the value
 *   of the option before it (`--name --help` is a name missing its value);
 * - an option that takes a value needs one: not missing, not empty or blank, and not the next
 *   option (a value starting with "-" is written inline: `--title=-x-`);
 * - an option that takes a value is given once, unless it is declared `multiple`;
 * - an unknown option, or a value given to a flag, is refused in parseArgs's own words.
 * Problems throw a `UsageError` (or parseArgs's error), the first on the command line first.
 */
export function parseCommandLine(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
  allowPositionals: boolean,
): ParsedCommandLine {
  // Leniently first: every token as parseArgs reads it, a value wherever one could stand.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const asksHelp = (token: (typeof tokens)[number]) =>
    token.kind === 'option' && token.name === 'help' && token.value === undefined;
  if (tokens.some(asksHelp)) return { help: true };
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    // An unknown option, or a flag given a value: the strict reading below words it.
    if (option === undefined || (option.type === 'boolean' && token.value !== undefined)) break;
    if (option.type === 'boolean') continue;
    const name = `--${token.name}`;
    const { value } = token;
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (!token.inlineValue && value.length > 1 && value.startsWith('-')) {
      throw new UsageError(
        `${name} needs a value (got "${value}", an option; for a value that starts with "-" write ${name}=${value})`,
      );
    }
    if (value.trim() === '') throw new UsageError(`${name} needs a value, not an empty one`);
    if (seen.has(token.name) && option.multiple !== true) {
      throw new UsageError(`${name} is given more than once; give it once`);
    }
    seen.add(token.name);
  }
  const parsed = parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  return {
    help: false,
    values: parsed.values as Readonly<Record<string, unknown>>,
    positionals: parsed.positionals,
  };
}

/**
 * A command with the conventions every command shares: `--help` prints its usage (exit 0),
 * `--json` switches to JSON output, options are read by `parseCommandLine`, and failures map to
 * the documented exit codes, the node's code and message printed as they came.
 */
export function defineCommand(spec: CommandSpec): Command {
  return async (argv, out, env) => {
    let context: CommandContext;
    try {
      const parsed = parseCommandLine(argv, { ...COMMON_OPTIONS, ...spec.options }, true);
      if (parsed.help) {
        out.log(spec.usage);
        return ExitCode.Ok;
      }
      const { min, max, what } = spec.positionals ?? { min: 0, max: 0, what: '' };
      if (parsed.positionals.length < min) throw new UsageError(`missing ${what}`);
      if (parsed.positionals.length > max) {
        throw new UsageError(`unexpected argument: ${parsed.positionals[max]}`);
      }
      context = {
        args: new CommandArgs(parsed.values, parsed.positionals),
        json: parsed.values.json === true,
        out,
        env,
      };
    } catch (error) {
      return usageFailure(error, spec.usage, out);
    }
    try {
      return await spec.action(context);
    } catch (error) {
      if (error instanceof UsageError || isParseArgsError(error)) {
        return usageFailure(error, spec.usage, out);
      }
      if (error instanceof ApiError) return apiFailure(error, out);
      throw error;
    }
  };
}

/** A command with subcommands (`card export`, `agreement draft`, …). */
export function defineGroup(
  name: string,
  summary: string,
  subcommands: Readonly<Record<string, { readonly command: Command; readonly synopsis: string }>>,
  aliases: Readonly<Record<string, string>> = {},
): Command {
  const usage = [
    `usage: regulink ${name} <subcommand> [options]`,
    '',
    summary,
    '',
    ...Object.values(subcommands).map((s) => `  regulink ${name} ${s.synopsis}`),
    '',
    `"regulink ${name} <subcommand> --help" describes each.`,
  ].join('\n');
  return async (argv, out, env) => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      if (sub === undefined) {
        out.error(`regulink ${name} needs a subcommand`);
        out.error(usage);
        return ExitCode.Usage;
      }
      out.log(usage);
      return ExitCode.Ok;
    }
    const entry = subcommands[aliases[sub] ?? sub];
    if (!entry) {
      out.error(`unknown subcommand: ${name} ${sub}`);
      out.error(usage);
      return ExitCode.Usage;
    }
    return entry.command(rest, out, env);
  };
}

/** parseArgs's own errors (checked by code: they come from Node's realm, not the caller's). */
function isParseArgsError(error: unknown): error is { code: string; message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') && typeof message === 'string';
}

function usageFailure(error: unknown, usage: string, out: CliOutput): number {
  if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error;
  out.error(error.message);
  if (!(error instanceof InputError)) out.error(usage);
  return ExitCode.Usage;
}

/** The node's refusal as it answered, or why it could not be reached. */
function apiFailure(error: ApiError, out: CliOutput): number {
  if (error.status === 0) {
    out.error(error.message);
    return ExitCode.Unreachable;
  }
  out.error(`refused by the node: ${error.code} (HTTP ${error.status}): ${error.message}`);
  if (error.status === 401) {
    out.error('sign in again with: regulink login --url <node URL> --user <name>');
  }
  return ExitCode.Refused;
}
