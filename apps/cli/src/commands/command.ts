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

/**
 * A command with the conventions every command shares: `--help` prints its usage (exit 0),
 * `--json` switches to JSON output, options are parsed strictly (`node:util` parseArgs), and
 * failures map to the documented exit codes, the node's code and message printed as they came.
 */
export function defineCommand(spec: CommandSpec): Command {
  return async (argv, out, env) => {
    if (argv.includes('--help') || argv.includes('-h')) {
      out.log(spec.usage);
      return ExitCode.Ok;
    }
    let context: CommandContext;
    try {
      const parsed = parseArgs({
        args: argv,
        options: { ...COMMON_OPTIONS, ...spec.options },
        allowPositionals: true,
        strict: true,
      });
      const { min, max, what } = spec.positionals ?? { min: 0, max: 0, what: '' };
      if (parsed.positionals.length < min) throw new UsageError(`missing ${what}`);
      if (parsed.positionals.length > max) {
        throw new UsageError(`unexpected argument: ${parsed.positionals[max]}`);
      }
      const values = parsed.values as Readonly<Record<string, unknown>>;
      context = {
        args: new CommandArgs(values, parsed.positionals),
        json: values.json === true,
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
  out.error(usage);
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
