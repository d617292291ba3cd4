import { readFile } from 'node:fs/promises';
import { EvidenceError, verifyEvidenceBundle, type VerifiedEvidence } from '@regulink/protocol';
import type { CliOutput } from './cli-output';
import { defineCommand, UsageError } from './command';
import { ExitCode } from './exit-code';

const USAGE = `usage: regulink verify-evidence <file> [--json]   (also: regulink evidence verify <file>)

Checks an evidence bundle offline, with no database and no network: the node cards, the
agreement's signatures, the batch signature by a key the agreement pins for the sender, the
batch's agreement, parties, kind and date, and the record's inclusion. Exit code 0: it verifies;
1: it does not (and why); 2: unreadable input. --json prints the verified evidence as JSON.`;

/** `regulink verify-evidence <file>`: an evidence bundle checked offline. */
export const verifyEvidenceCommand = defineCommand({
  usage: USAGE,
  positionals: { min: 1, max: 1, what: 'the evidence file (verify-evidence takes exactly one file)' },
  async action({ args, json, out }) {
    const file = args.positionals[0]!;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    let bundle: unknown;
    try {
      bundle = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    let verified: VerifiedEvidence;
    try {
      verified = await verifyEvidenceBundle(bundle);
    } catch (error) {
      if (!(error instanceof EvidenceError)) throw error;
      out.error(`evidence does NOT verify: ${error.problem}: ${error.message}`);
      return ExitCode.Refused;
    }
    if (json) out.log(JSON.stringify(verified, null, 2));
    else summarize(verified, out);
    return ExitCode.Ok;
  },
});

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
