import { open } from 'node:fs/promises';
import {
  EvidenceError,
  parseEvidenceJson,
  verifyEvidenceBundle,
  type VerifiedEvidence,
} from '@regulink/protocol';
import type { CliOutput } from './cli-output';
import { defineCommand, InputError } from './command';
import { ExitCode } from './exit-code';

/** The largest evidence file read: a genuine bundle is a few kilobytes. */
export const MAX_EVIDENCE_FILE_BYTES = 16 * 1024 * 1024;

const USAGE = `usage: regulink verify-evidence <file> [--json]   (also: regulink evidence verify <file>)

Checks an evidence bundle offline, with no database and no network: the node cards, the
agreement's signatures, the batch signature by a key the agreement pins for the sender, the
batch's agreement, parties, kind and date, and the record's inclusion. It cannot tell whether the
agreement was later suspended, revoked or superseded, nor when the batch was really signed (its
time is the sender's own clock).

Exit code 0: it verifies; 1: it does not (and why), a key given twice in one object included;
2: unreadable input: not UTF-8 JSON, or over ${MAX_EVIDENCE_FILE_BYTES / 1024 / 1024} MiB (refused unread). --json prints the
verified evidence as JSON.`;

/** `regulink verify-evidence <file>`: an evidence bundle checked offline. */
export const verifyEvidenceCommand = defineCommand({
  usage: USAGE,
  positionals: { min: 1, max: 1, what: 'the evidence file (verify-evidence takes exactly one file)' },
  async action({ args, json, out }) {
    const file = args.positionals[0]!;
    const text = await readEvidenceFile(file);
    let verified: VerifiedEvidence;
    try {
      let bundle: unknown;
      try {
        bundle = parseEvidenceJson(text);
      } catch (error) {
        if (error instanceof SyntaxError) throw new InputError(`${file} is not JSON: ${error.message}`);
        throw error;
      }
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

/**
 * The file as UTF-8 text (a byte-order mark dropped), read only up to the cap: a larger file is
 * refused on its size alone, or, where the size is not known beforehand (a pipe), once past it.
 */
async function readEvidenceFile(file: string): Promise<string> {
  const cannotRead = (error: unknown) =>
    new InputError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  const tooLarge = () =>
    new InputError(
      `${file} is larger than ${MAX_EVIDENCE_FILE_BYTES / 1024 / 1024} MiB, far more than any evidence bundle; not read`,
    );
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw cannotRead(error);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_EVIDENCE_FILE_BYTES) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read({ buffer: Buffer.alloc(64 * 1024) });
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_EVIDENCE_FILE_BYTES) throw tooLarge();
      chunks.push(buffer.subarray(0, bytesRead));
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw new InputError(`${file} is not UTF-8 text`);
    }
  } catch (error) {
    throw error instanceof InputError ? error : cannotRead(error);
  } finally {
    await handle.close();
  }
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
  out.log(
    `  sent:      ${batch.from} → ${batch.to}, signed, by the sender's own clock, at ${batch.signedAt}`,
  );
  out.log(
    `  exported:  by ${evidence.exported.by} at ${evidence.exported.at}, as the file says (not signed; ` +
      'checked only to be the region the batch went to, after it was signed)',
  );
  out.log(`  agreement: ${agreement.id} "${agreement.title}"`);
  out.log(`             valid ${agreement.validFrom} to ${agreement.validUntil} (China dates)`);
  out.log(`             terms digest ${agreement.digest}`);
  out.log('  keys checked (thumbprints):');
  for (const [region, kids] of kidsByRegion) out.log(`    ${region}: ${kids.join(', ')}`);
  out.log(
    'The bundle carries its own node cards, which vouch only for themselves: compare these ' +
      "thumbprints with each party's published node card before relying on this result.",
  );
  out.log(
    'Not checked, as no file can show it offline: whether the agreement was suspended, revoked or ' +
      "superseded after the batch was signed (ask the parties' nodes), and when the batch was " +
      "really signed: its time is the sender's own claim, not a trusted timestamp.",
  );
}
