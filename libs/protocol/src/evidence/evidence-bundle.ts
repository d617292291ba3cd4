import type { CryptoKey } from 'jose';
import { canonicalJson } from '../canonical-json/canonical-json';
import {
  AgreementDocumentError,
  verifyAgreementDocument,
  type AgreementDocument,
  type VerifiedAgreement,
} from '../agreement/agreement-document';
import { isRecord } from '../agreement/agreement-terms';
import { importPublicKey } from '../keys/signing-key';
import {
  NodeCardError,
  signedWhileActive,
  verifyNodeCard,
  type NodeCard,
  type SignedNodeCard,
} from '../node-card/node-card';
import {
  isRecordInBatch,
  MAX_BATCH_PROOF_LENGTH,
  recordBatchKid,
  verifyRecordBatchHead,
  type RecordBatchHead,
} from '../record-batch/record-batch';

export const EVIDENCE_BUNDLE_VERSION = 1;

/**
 * One record a node received inside a signed record batch, with everything a third party needs to
 * check offline that the sending region really sent it under a cooperation agreement.
 */
export interface EvidenceBundle {
  readonly v: typeof EVIDENCE_BUNDLE_VERSION;
  /**
   * What the record is: `shop` (a shop record synced to its home region) or `landing` (a landing
   * result, 网店落地, returned to the reporting region). Must equal the batch head's kind.
   */
  readonly kind: string;
  /** The record exactly as it was signed (its canonical JSON is the Merkle leaf). */
  readonly record: unknown;
  /** The record's position in its batch. */
  readonly index: number;
  /** Its inclusion proof in the batch, base64url hashes. */
  readonly proof: readonly string[];
  /** The signed batch head, compact JWS (typ regulink-record-batch+jws). */
  readonly batch: string;
  /** The agreement the batch was sent under, as signed by its parties. */
  readonly agreement: AgreementDocument;
  /** The signed node cards of every party to the agreement. */
  readonly cards: readonly SignedNodeCard[];
  /** Region of the node that exported the bundle, and when (ISO 8601). */
  readonly exportedBy: string;
  readonly exportedAt: string;
}

/** Which check refused a bundle, in the order {@link verifyEvidenceBundle} runs them. */
export type EvidenceProblem =
  /**
   * Not a v1 bundle: a field is missing, unknown or of the wrong type; read from a file
   * (`parseEvidenceJson`), also a key given twice in one object, or nesting far too deep.
   */
  | 'shape'
  /**
   * A node card does not verify, its entry holds more than `card` and `jws`, or two cards speak
   * for the same region.
   */
  | 'card'
  /** The agreement does not verify against the cards, or not every party has signed it. */
  | 'agreement'
  /** A party to the agreement has no card in the bundle. */
  | 'missing-card'
  /** The batch head is not signed by a key the agreement pins for its sending region. */
  | 'batch-signature'
  /** The batch head does not fit the agreement: other id, non-parties, other kind, outside validity. */
  | 'batch-terms'
  /** The record is not the one at its index in the signed batch. */
  | 'inclusion'
  /**
   * The file's own account of its export (unsigned) contradicts the batch: exported by a region
   * other than the one the batch went to, or at a time before the batch was signed or still to come.
   */
  | 'export';

/**
 * Why a bundle does not prove what it claims. Messages name regions, key ids, batch fields and
 * JSON keys, never values from the record, so they can be shown and logged freely.
 */
export class EvidenceError extends Error {
  constructor(
    readonly problem: EvidenceProblem,
    message: string,
  ) {
    super(message);
    this.name = 'EvidenceError';
  }
}

/** What a verified bundle establishes. */
export interface VerifiedEvidence {
  readonly kind: string;
  readonly record: unknown;
  readonly index: number;
  /** Who exported the file and when, as it says (unsigned; checked only to fit the batch). */
  readonly exported: { readonly by: string; readonly at: string };
  readonly batch: {
    readonly id: string;
    readonly from: string;
    readonly to: string;
    readonly size: number;
    readonly signedAt: string;
    readonly root: string;
  };
  readonly agreement: {
    readonly id: string;
    readonly title: string;
    readonly parties: readonly string[];
    readonly validFrom: string;
    readonly validUntil: string;
    /** SHA-256 of the signed terms, base64url. */
    readonly digest: string;
  };
  /**
   * Every key whose signature was checked (the agreement's signers and the batch signer), once
   * each. They are only as trustworthy as the cards in the bundle: a reader compares them with the
   * cards the parties publish.
   */
  readonly keys: readonly { readonly region: string; readonly kid: string }[];
}

const BUNDLE_FIELDS: readonly (keyof EvidenceBundle)[] = [
  'v',
  'kind',
  'record',
  'index',
  'proof',
  'batch',
  'agreement',
  'cards',
  'exportedBy',
  'exportedAt',
];

const REGION = /^\d{6}$/;
/** A SHA-256 hash in unpadded base64url. */
const HASH = /^[A-Za-z0-9_-]{43}$/;
/** The fields of a card entry: the card and its compact JWS. */
const CARD_ENTRY_FIELDS: readonly string[] = ['card', 'jws'];
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** A UTC timestamp exactly as `Date.prototype.toISOString` writes it for years 0 to 9999. */
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** China Standard Time is UTC+8 all year round. */
const CHINA_OFFSET_MS = 8 * 3600_000;

/**
 * Checks an evidence bundle offline, from its own contents alone, and throws an
 * {@link EvidenceError} at the first check that fails: shape, cards, agreement (complete, and a
 * card for each party), batch signature (by a key the agreement pins for the sender, signed while
 * its card says that key was in use), batch terms, inclusion of the record, and that the file's
 * account of its export fits the batch (`now`: the reader's clock). Cards of regions that are no party are verified but otherwise unused.
 *
 * The cards vouch for themselves only; that they are the parties' real cards is for the reader to
 * confirm, which is why the result lists the keys it relied on. What no bundle can show offline:
 * whether the agreement was later suspended, revoked or superseded, and when the batch was really
 * signed (its `signedAt` is the sender's own clock).
 *
 * Whatever the input, it throws nothing but an {@link EvidenceError}: a failure no check foresaw
 * is reported as a failure of the check that was running.
 */
export async function verifyEvidenceBundle(input: unknown, now = new Date()): Promise<VerifiedEvidence> {
  let step: EvidenceProblem = 'shape';
  try {
    const bundle = checkShape(input);
    step = 'card';
    const cards = await checkCards(bundle.cards);
    step = 'agreement';
    const agreement = await checkAgreement(bundle.agreement, cards);
    step = 'batch-signature';
    const { head, kid } = await checkBatchSignature(bundle.batch, agreement, cards);
    step = 'batch-terms';
    checkBatchTerms(head, bundle.kind, agreement);
    if (Date.parse(head.signedAt) > now.getTime() + CLOCK_SKEW_MS) {
      throw new EvidenceError(
        'batch-terms',
        `batch ${head.id} says it was signed at ${head.signedAt}, which is still to come`,
      );
    }
    step = 'inclusion';
    checkInclusion(bundle, head);
    step = 'export';
    checkExport(bundle, head, now);
    return verified(bundle, agreement, head, kid);
  } catch (error) {
    if (error instanceof EvidenceError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new EvidenceError(step, `the ${step} check failed on this input (${reason})`);
  }
}

/** How far apart two clocks may be: the batch sender's and the exporter's, the exporter's and the reader's. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The export fields are not signed, but what they say must fit the batch: a record is exported by
 * the region the batch went to (it holds the record), after the batch was signed, and not later
 * than now.
 */
function checkExport(bundle: EvidenceBundle, head: RecordBatchHead, now: Date): void {
  const fail = (message: string) => new EvidenceError('export', message);
  if (bundle.exportedBy !== head.to) {
    throw fail(`the file says ${bundle.exportedBy} exported it, but batch ${head.id} went to ${head.to}`);
  }
  const exportedAt = Date.parse(bundle.exportedAt);
  if (exportedAt < Date.parse(head.signedAt) - CLOCK_SKEW_MS) {
    throw fail(`the file says it was exported at ${bundle.exportedAt}, before batch ${head.id} was signed`);
  }
  if (exportedAt > now.getTime() + CLOCK_SKEW_MS) {
    throw fail(`the file says it was exported at ${bundle.exportedAt}, which is still to come`);
  }
}

/** What a bundle that passed every check establishes. */
function verified(
  bundle: EvidenceBundle,
  agreement: VerifiedAgreement,
  head: RecordBatchHead,
  kid: string,
): VerifiedEvidence {
  const { terms } = agreement;
  const keys: { region: string; kid: string }[] = [];
  for (const key of [...agreement.signers, { region: head.from, kid }]) {
    if (!keys.some((k) => k.region === key.region && k.kid === key.kid)) keys.push(key);
  }
  return {
    kind: bundle.kind,
    record: bundle.record,
    index: bundle.index,
    exported: { by: bundle.exportedBy, at: bundle.exportedAt },
    batch: {
      id: head.id,
      from: head.from,
      to: head.to,
      size: head.size,
      signedAt: head.signedAt,
      root: head.root,
    },
    agreement: {
      id: terms.id,
      title: terms.title,
      parties: terms.parties,
      validFrom: terms.validFrom,
      validUntil: terms.validUntil,
      digest: agreement.digest,
    },
    keys,
  };
}

function checkShape(input: unknown): EvidenceBundle {
  const fail = (message: string) => new EvidenceError('shape', message);
  if (!isRecord(input)) throw fail('an evidence bundle is a JSON object');
  const unknown = Object.keys(input).filter((field) => !(BUNDLE_FIELDS as readonly string[]).includes(field));
  if (unknown.length > 0) throw fail(`unknown fields: ${unknown.join(', ')}`);
  const missing = BUNDLE_FIELDS.filter((field) => !Object.prototype.hasOwnProperty.call(input, field));
  if (missing.length > 0) throw fail(`missing fields: ${missing.join(', ')}`);

  const b = input as Record<keyof EvidenceBundle, unknown>;
  if (b.v !== EVIDENCE_BUNDLE_VERSION) throw fail(`v must be ${EVIDENCE_BUNDLE_VERSION}`);
  if (typeof b.kind !== 'string' || b.kind.length === 0) throw fail('kind must be a non-empty string');
  if (!hasJsonForm(b.record)) throw fail('record must be a JSON value');
  if (typeof b.index !== 'number' || !Number.isSafeInteger(b.index) || b.index < 0) {
    throw fail('index must be a non-negative integer');
  }
  // Its length first, before any work per entry: no batch has a longer proof.
  if (
    !Array.isArray(b.proof) ||
    b.proof.length > MAX_BATCH_PROOF_LENGTH ||
    !b.proof.every((hash) => typeof hash === 'string' && HASH.test(hash))
  ) {
    throw fail(`proof must be an array of at most ${MAX_BATCH_PROOF_LENGTH} base64url SHA-256 hashes`);
  }
  if (typeof b.batch !== 'string' || b.batch.length === 0) throw fail('batch must be a compact JWS string');
  if (!isRecord(b.agreement)) throw fail('agreement must be an object');
  if (!Array.isArray(b.cards) || b.cards.length === 0) throw fail('cards must be a non-empty array');
  if (typeof b.exportedBy !== 'string' || !REGION.test(b.exportedBy)) {
    throw fail('exportedBy must be a six-digit region code');
  }
  if (
    typeof b.exportedAt !== 'string' ||
    !ISO_TIMESTAMP.test(b.exportedAt) ||
    Number.isNaN(Date.parse(b.exportedAt))
  ) {
    throw fail('exportedAt must be an ISO 8601 date and time');
  }
  return input as unknown as EvidenceBundle;
}

/** Whether a value has a canonical JSON form, which the leaf hash is computed over. */
function hasJsonForm(value: unknown): boolean {
  try {
    canonicalJson(value);
    return true;
  } catch {
    return false;
  }
}

/** Verifies every card; returns them by region. */
async function checkCards(signed: readonly unknown[]): Promise<ReadonlyMap<string, NodeCard>> {
  const cards = new Map<string, NodeCard>();
  for (const [i, candidate] of signed.entries()) {
    // The signature covers the card only: anything beside it in the entry would travel unsigned.
    const extra = isRecord(candidate)
      ? Object.keys(candidate).filter((field) => !CARD_ENTRY_FIELDS.includes(field))
      : [];
    if (extra.length > 0) {
      throw new EvidenceError('card', `cards[${i}] has unknown fields: ${extra.join(', ')} (only card, jws)`);
    }
    let card: NodeCard;
    try {
      card = await verifyNodeCard(candidate);
    } catch (error) {
      if (error instanceof NodeCardError) {
        throw new EvidenceError('card', `cards[${i}] does not verify (${error.problem}): ${error.message}`);
      }
      throw error;
    }
    if (cards.has(card.region)) throw new EvidenceError('card', `two cards for region ${card.region}`);
    cards.set(card.region, card);
  }
  return cards;
}

function cardKey(card: NodeCard | undefined, kid: string): Promise<CryptoKey> | undefined {
  const jwk = card?.keys.find((key) => key.kid === kid);
  return jwk && importPublicKey(jwk);
}

async function checkAgreement(
  document: AgreementDocument,
  cards: ReadonlyMap<string, NodeCard>,
): Promise<VerifiedAgreement> {
  let agreement: VerifiedAgreement;
  try {
    // A signer is always a party (the document's own check), so a party without a card surfaces
    // here, before its missing signature would be judged.
    // The document asks only for keys its terms pin for the region that signed with them.
    agreement = await verifyAgreementDocument(document, (region, kid) => {
      const card = cards.get(region);
      if (!card) throw new EvidenceError('missing-card', `no card for party ${region}, which signed`);
      const key = cardKey(card, kid);
      if (!key) {
        throw new EvidenceError(
          'agreement',
          `the agreement does not verify: key ${kid} that the agreement pins for ${region} is not on its card in the bundle`,
        );
      }
      return key;
    });
  } catch (error) {
    if (error instanceof AgreementDocumentError) {
      throw new EvidenceError('agreement', `the agreement does not verify (${error.code}): ${error.message}`);
    }
    throw error;
  }
  const { terms } = agreement;
  const unsigned = terms.parties.filter((party) => !agreement.signers.some((s) => s.region === party));
  if (!agreement.complete || unsigned.length > 0) {
    throw new EvidenceError(
      'agreement',
      `agreement ${terms.id} is not signed by every party (missing: ${unsigned.join(', ')})`,
    );
  }
  const cardless = terms.parties.filter((party) => !cards.has(party));
  if (cardless.length > 0)
    throw new EvidenceError('missing-card', `no card for party ${cardless.join(', ')}`);
  return agreement;
}

/**
 * The head's key must be pinned by the agreement for exactly the region the head names as sender:
 * the key is looked up in the terms first, and the verified head must then name that key's region.
 */
async function checkBatchSignature(
  batch: string,
  agreement: VerifiedAgreement,
  cards: ReadonlyMap<string, NodeCard>,
): Promise<{ head: RecordBatchHead; kid: string }> {
  const fail = (message: string) => new EvidenceError('batch-signature', message);
  const { terms } = agreement;
  const kid = recordBatchKid(batch);
  if (kid === undefined) throw fail('batch is not a record batch JWS naming its key');
  const owner = terms.parties.find((party) => terms.keys[party]!.includes(kid));
  if (owner === undefined)
    throw fail(`batch key ${kid} is not pinned for any party by agreement ${terms.id}`);
  const key = cardKey(cards.get(owner), kid);
  if (!key) throw fail(`batch key ${kid} is not on the card of ${owner}`);
  let head: RecordBatchHead;
  try {
    head = await verifyRecordBatchHead(batch, await key);
  } catch {
    throw fail(`the batch head does not verify with key ${kid} of ${owner}`);
  }
  if (head.from !== owner) {
    throw fail(`the batch names ${head.from} as sender but is signed by key ${kid}, pinned for ${owner}`);
  }
  const retired = cards.get(owner)!.retired;
  if (!signedWhileActive(retired, kid, head.signedAt)) {
    throw fail(`the batch is dated ${head.signedAt}, after ${owner} retired key ${kid} at ${retired![kid]}`);
  }
  return { head, kid };
}

/** The agreement scope under which each kind of record moves in batches. */
const BATCH_SCOPES: Readonly<Record<string, string>> = { shop: 'shop.sync', landing: 'landing.result' };

function checkBatchTerms(head: RecordBatchHead, kind: string, agreement: VerifiedAgreement): void {
  const fail = (message: string) => new EvidenceError('batch-terms', message);
  const { terms } = agreement;
  if (head.agreement !== terms.id) {
    throw fail(`batch ${head.id} was sent under agreement ${head.agreement}, not ${terms.id}`);
  }
  if (head.from === head.to || !terms.parties.includes(head.to)) {
    throw fail(`batch ${head.id} goes from ${head.from} to ${head.to}: not two distinct parties`);
  }
  if (head.kind !== kind)
    throw fail(`batch ${head.id} holds ${head.kind} records, the bundle claims ${kind}`);
  const scope = BATCH_SCOPES[kind];
  if (!terms.scopes.some((g) => g.scope === scope && g.from === head.from && g.to === head.to)) {
    throw fail(`agreement ${terms.id} grants no ${scope ?? kind} from ${head.from} to ${head.to}`);
  }
  const day = chinaDate(head.signedAt);
  if (day === undefined) throw fail(`batch ${head.id} has an unreadable signedAt`);
  if (day < terms.validFrom || day > terms.validUntil) {
    throw fail(
      `batch ${head.id} was signed on ${day} (China time), outside ${terms.validFrom} to ${terms.validUntil}`,
    );
  }
}

function checkInclusion(bundle: EvidenceBundle, head: RecordBatchHead): void {
  if (bundle.index >= head.size) {
    throw new EvidenceError(
      'inclusion',
      `index ${bundle.index} lies outside batch ${head.id} of ${head.size}`,
    );
  }
  if (!isRecordInBatch(bundle.record, bundle.index, bundle.proof, head)) {
    throw new EvidenceError(
      'inclusion',
      `the record is not the one at index ${bundle.index} of batch ${head.id}, by the proof given`,
    );
  }
}

/**
 * The China calendar date (YYYY-MM-DD) of a timestamp written as `Date.prototype.toISOString`
 * writes it, which is how batch heads are signed; undefined for anything else. Agreement
 * validity dates are China dates, so 2026-12-31T16:00:00Z already falls on 2027-01-01.
 */
function chinaDate(timestamp: string): string | undefined {
  if (!UTC_TIMESTAMP.test(timestamp)) return undefined;
  const time = Date.parse(timestamp);
  if (Number.isNaN(time) || new Date(time).toISOString() !== timestamp) return undefined;
  return new Date(time + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}
