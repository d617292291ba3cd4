#!/usr/bin/env node
import type { CliEnv, CliOutput } from './commands/cli-output';
import { agreementCommand } from './commands/agreement.command';
import { cardCommand } from './commands/card.command';
import { cluesCommand } from './commands/clues.command';
import type { Command } from './commands/command';
import { evidenceCommand } from './commands/evidence.command';
import { ExitCode } from './commands/exit-code';
import { readHidden } from './commands/hidden-prompt';
import { importCommandGroup } from './commands/import.command';
import { initCommand } from './commands/init.command';
import { loginCommand } from './commands/login.command';
import { peersCommand } from './commands/peers.command';
import { resolveCommand } from './commands/resolve.command';
import { usersCommand } from './commands/users.command';
import { verifyEvidenceCommand } from './commands/verify-evidence.command';
import { generateCommand } from './generate/generate.command';

export type { CliEnv, CliOutput } from './commands/cli-output';

const COMMANDS: Readonly<Record<string, { readonly command: Command; readonly synopsis: string }>> = {
  login: { command: loginCommand, synopsis: 'login --url <node URL> --user <name>' },
  init: {
    command: initCommand,
    synopsis: 'init --region <code> --name <name> [--dir] [--http-port] [--out]',
  },
  card: { command: cardCommand, synopsis: 'card export [--out <file>] | card import <file> [--allow]' },
  peers: { command: peersCommand, synopsis: 'peers' },
  users: { command: usersCommand, synopsis: 'users list|disable|enable|roles|password …' },
  agreement: {
    command: agreementCommand,
    synopsis: 'agreement draft|propose|countersign|decline|suspend|resume|revoke|list|show …',
  },
  import: {
    command: importCommandGroup,
    synopsis: 'import register|shops <file.csv|.ndjson> [--rejections]',
  },
  resolve: {
    command: resolveCommand,
    synopsis:
      'resolve --shop-url <url> | --credit-code <code> | --name <name> --purpose <p> --case-reference <ref>',
  },
  clues: { command: cluesCommand, synopsis: 'clues due [--soon|--overdue] [--box inbox|outbox]' },
  evidence: { command: evidenceCommand, synopsis: 'evidence export … --out <file> | evidence verify <file>' },
  'verify-evidence': { command: verifyEvidenceCommand, synopsis: 'verify-evidence <file> [--json]' },
  generate: {
    command: (args, out) => generateCommand(args, out),
    synopsis: 'generate …   (synthetic data; see regulink generate --help)',
  },
};

const USAGE_TEXT = [
  'usage: regulink <command> [arguments]',
  '',
  'commands:',
  ...Object.values(COMMANDS).map((c) => `  ${c.synopsis}`),
  '',
  '"regulink <command> --help" describes a command. Every command takes --json (machine-readable',
  'JSON on stdout instead of text). Commands that call a node take --url (evidence export: --node,',
  "its --url being the shop's) and --token, else REGULINK_URL and REGULINK_TOKEN, else the profile",
  'written by login ($REGULINK_CLI_HOME/cli.json, else ~/.regulink/cli.json).',
  '',
  'exit codes:',
  '  0  done (the evidence verifies)',
  '  1  refused by the node (its code and message are printed), or the evidence does not verify',
  '  2  usage or input error (bad option, missing or unreadable file); nothing was sent',
  '  3  the node could not be reached, or the connection was lost',
  '  70 a fault of this program',
].join('\n');

/**
 * Runs one command line (without the node and script arguments); resolves to the exit code.
 * `env` holds the command line's own settings (REGULINK_URL, REGULINK_TOKEN, REGULINK_PASSWORD,
 * REGULINK_NEW_PASSWORD, REGULINK_CLI_HOME); none are read from anywhere else.
 */
export async function run(argv: string[], out: CliOutput, env: CliEnv = {}): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = args[0] === undefined ? undefined : COMMANDS[args[0]];
    if (topic) return topic.command(['--help'], out, env);
    out.log(USAGE_TEXT);
    return ExitCode.Ok;
  }
  const entry = name === undefined ? undefined : COMMANDS[name];
  if (!entry) {
    out.error(name === undefined ? 'no command given' : `unknown command: ${name}`);
    out.error(USAGE_TEXT);
    return ExitCode.Usage;
  }
  return entry.command(args, out, env);
}

if (require.main === module) {
  const out: CliOutput = {
    log: (line) => console.log(line),
    error: (line) => console.error(line),
    progress: { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true },
    ...(process.stdin.isTTY ? { prompt: readHidden } : {}),
  };
  // The command line is its own program: its settings come from its environment, read here only.
  // eslint-disable-next-line no-restricted-syntax
  run(process.argv.slice(2), out, process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A fault of this program, not a verdict: keep it apart from the documented codes.
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = ExitCode.Internal;
    },
  );
}
