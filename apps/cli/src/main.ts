import { readFile } from 'node:fs/promises';
import { EvidenceError, verifyEvidenceBundle, type VerifiedEvidence } from '@regulink/protocol';

/** Where a command writes: the verdict and results to `log`, problems to `error`. */
export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}

/** Exit codes: 0 done (the evidence verifies), 1 the evidence does not verify, 2 usage or input error. */
const OK = 0;
const REFUSED = 1;
const USAGE = 2;

const USAGE_TEXT = [
  'usage: regulink <command> [arguments]',
  '',
  'commands:',
  '  verify-evidence <file> [--json]   check an evidence bundle offline; --json prints the result as JSON',
].join('\n');

type Command = (args: string[], out: CliOutput) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  'verify-evidence': verifyEvidence,
};

/** Runs one command line (without the node and script arguments); resolves to the exit code. */
export async function run(argv: string[], out: CliOutput): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    out.log(USAGE_TEXT);
    return OK;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    out.error(name === undefined ? 'no command given' : `unknown command: ${name}`);
    out.error(USAGE_TEXT);
    return USAGE;
  }
  return command(args, out);
}

async function verifyEvidence(args: string[], out: CliOutput): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((arg) => arg !== '--json');
  const unknownFlag = rest.find((arg) => arg.startsWith('--'));
  if (unknownFlag !== undefined || rest.length !== 1) {
    out.error(unknownFlag ? `unknown option: ${unknownFlag}` : 'verify-evidence takes exactly one file');
    out.error('usage: regulink verify-evidence <file> [--json]');
    return USAGE;
  }
  const file = rest[0]!;

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    out.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return USAGE;
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch (error) {
    out.error(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    return USAGE;
  }

  let verified: VerifiedEvidence;
  try {
    verified = await verifyEvidenceBundle(bundle);
  } catch (error) {
    if (!(error instanceof EvidenceError)) throw error;
    out.error(`evidence does NOT verify: ${error.problem}: ${error.message}`);
    return REFUSED;
  }
  if (json) out.log(JSON.stringify(verified, null, 2));
  else summarize(verified, out);
  return OK;
}

/** The human summary; the record itself is left out, as it may hold personal data. */
function summarize(evidence: VerifiedEvidence, out: CliOutput): void {
  const { batch, agreement } = evidence;
  const kidsByRegion = new Map<string, string[]>();
  for (const { region, kid } of evidence.keys) {
    kidsByRegion.set(region, [...(kidsByRegion.get(region) ?? []), kid]);
  }
  out.log('evidence verifies');
  out.log(`  record:    ${evidence.kind}, index ${evidence.index} of ${batch.size}`);
  out.log(`  batch:     ${batch.id}`);
  out.log(`  sent:      ${batch.from} → ${batch.to}, signed at ${batch.signedAt}`);
  out.log(`  agreement: ${agreement.id} "${agreement.title}"`);
  out.log(`             valid ${agreement.validFrom} to ${agreement.validUntil} (China dates)`);
  out.log(`             terms digest ${agreement.digest}`);
  out.log('  keys checked (thumbprints):');
  for (const [region, kids] of kidsByRegion) out.log(`    ${region}: ${kids.join(', ')}`);
  out.log(
    'The bundle carries its own node cards, which vouch only for themselves: compare these ' +
      "thumbprints with each party's published node card before relying on this result.",
  );
}

if (require.main === module) {
  run(process.argv.slice(2), console).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A fault of this program, not a verdict on the evidence: keep it apart from 1 and 2.
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 70;
    },
  );
}
