import { FlattenedSign, flattenedVerify, type CryptoKey } from 'jose';
import { canonicalBytes, canonicalJson } from '../canonical-json/canonical-json';
import { sha256Base64Url } from '../digest/digest';
import { SIGNING_ALG, type Signer } from '../keys/signing-key';
import { AGREEMENT_TYP, agreementTermsProblems, isRecord, type AgreementTerms } from './agreement-terms';

/** One party's signature: the base64url protected header `{alg, kid, typ}` and the signature. */
export interface AgreementSignatureEntry {
  readonly protected: string;
  readonly signature: string;
}

/**
 * A cooperation agreement as exchanged between regions: a JWS in General JSON serialization whose
 * payload is base64url(canonical JSON of the terms), with one signature per party that has signed.
 */
export interface AgreementDocument {
  readonly payload: string;
  readonly signatures: readonly AgreementSignatureEntry[];
}

/** Why an agreement document was refused, roughly in the order the checks run. */
export enum AgreementDocumentErrorCode {
  Malformed = 'AGREEMENT_MALFORMED',
  NotCanonical = 'AGREEMENT_NOT_CANONICAL',
  TermsInvalid = 'AGREEMENT_TERMS_INVALID',
  SignerNotParty = 'AGREEMENT_SIGNER_NOT_PARTY',
  UnpinnedKey = 'AGREEMENT_UNPINNED_KEY',
  BadSignature = 'AGREEMENT_BAD_SIGNATURE',
  DuplicateSignature = 'AGREEMENT_DUPLICATE_SIGNATURE',
}

export class AgreementDocumentError extends Error {
  constructor(
    readonly code: AgreementDocumentErrorCode,
    message: string,
    /** With {@link AgreementDocumentErrorCode.TermsInvalid}: every problem with the terms; else empty. */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'AgreementDocumentError';
  }
}

/** Looks up the key a region pinned for `kid`; undefined when that key is not pinned for that region. */
export type AgreementKeyResolver = (
  region: string,
  kid: string,
) => Promise<CryptoKey | undefined> | CryptoKey | undefined;

/** What {@link verifyAgreementDocument} establishes about a document. */
export interface VerifiedAgreement {
  readonly terms: AgreementTerms;
  /** Who signed, in the order of the signatures. */
  readonly signers: { region: string; kid: string }[];
  /** True when every party has signed. */
  readonly complete: boolean;
  /** SHA-256 of the payload bytes (the canonical JSON of the terms), base64url. */
  readonly digest: string;
}

/**
 * Validates the terms and signs them as their proposer: a document with a single signature, by a
 * key listed for `terms.proposedBy`.
 */
export async function proposeAgreement(terms: AgreementTerms, signer: Signer): Promise<AgreementDocument> {
  assertTerms(terms);
  if (!terms.keys[terms.proposedBy]!.includes(signer.kid)) {
    throw new AgreementDocumentError(
      AgreementDocumentErrorCode.SignerNotParty,
      `key ${signer.kid} is not listed for the proposing party ${terms.proposedBy}`,
    );
  }
  const signed = await signPayload(canonicalBytes(terms), signer);
  return { payload: signed.payload, signatures: [signed.entry] };
}

/**
 * Adds `region`'s signature over the document's payload, exactly as it stands. The document must be
 * well formed with valid terms, but the signatures already on it are not verified: verify the
 * document before countersigning it.
 */
export async function countersignAgreement(
  document: AgreementDocument,
  region: string,
  signer: Signer,
): Promise<AgreementDocument> {
  const parsed = parseDocument(document);
  const { terms } = parsed;
  if (!terms.parties.includes(region)) {
    throw new AgreementDocumentError(
      AgreementDocumentErrorCode.SignerNotParty,
      `${String(region)} is not a party to agreement ${terms.id}`,
    );
  }
  if (parsed.entries.some((entry) => entry.region === region)) {
    throw new AgreementDocumentError(
      AgreementDocumentErrorCode.DuplicateSignature,
      `${region} has already signed agreement ${terms.id}`,
    );
  }
  if (!terms.keys[region]!.includes(signer.kid)) {
    throw new AgreementDocumentError(
      AgreementDocumentErrorCode.SignerNotParty,
      `key ${signer.kid} is not listed for ${region} in agreement ${terms.id}`,
    );
  }
  const signed = await signPayload(parsed.bytes, signer);
  if (signed.payload !== parsed.payload) {
    // Cannot happen for a payload that passed the canonical base64url check; kept as a guard.
    throw malformed('the payload does not re-encode to itself');
  }
  return {
    payload: parsed.payload,
    signatures: [
      ...parsed.entries.map((entry) => ({ protected: entry.protected, signature: entry.signature })),
      signed.entry,
    ],
  };
}

/**
 * Verifies a document completely: its shape, that the payload is the canonical JSON of valid terms,
 * and every signature: by a key listed for exactly one party, at most one per party, pinned for that
 * party (`resolveKey`), and cryptographically valid. An error `resolveKey` throws is passed on as is.
 * Whether the agreement is in force on a given day (validFrom/validUntil) is for the caller to judge.
 */
export async function verifyAgreementDocument(
  document: unknown,
  resolveKey: AgreementKeyResolver,
): Promise<VerifiedAgreement> {
  const parsed = parseDocument(document);
  for (const entry of parsed.entries) {
    const key = await resolveKey(entry.region, entry.kid);
    if (!key) {
      throw new AgreementDocumentError(
        AgreementDocumentErrorCode.UnpinnedKey,
        `key ${entry.kid} is not pinned for ${entry.region}`,
      );
    }
    try {
      await flattenedVerify(
        { payload: parsed.payload, protected: entry.protected, signature: entry.signature },
        key,
        { algorithms: [SIGNING_ALG] },
      );
    } catch {
      throw new AgreementDocumentError(
        AgreementDocumentErrorCode.BadSignature,
        `the signature of ${entry.region} (key ${entry.kid}) does not verify`,
      );
    }
  }
  const signers = parsed.entries.map(({ region, kid }) => ({ region, kid }));
  const signed = new Set(signers.map((s) => s.region));
  return {
    terms: parsed.terms,
    signers,
    complete: parsed.terms.parties.every((party) => signed.has(party)),
    digest: sha256Base64Url(parsed.bytes),
  };
}

/**
 * The terms a document carries, for display, without checking any signature or the document's
 * form; undefined unless the payload decodes to valid terms.
 */
export function readAgreementTerms(document: unknown): AgreementTerms | undefined {
  if (!isRecord(document) || typeof document.payload !== 'string') return undefined;
  if (!BASE64URL.test(document.payload)) return undefined;
  const text = utf8(Buffer.from(document.payload, 'base64url'));
  const value = text === undefined ? undefined : parseJson(text);
  return value !== undefined && agreementTermsProblems(value).length === 0
    ? (value as AgreementTerms)
    : undefined;
}

interface ParsedEntry extends AgreementSignatureEntry {
  readonly region: string;
  readonly kid: string;
}

interface ParsedDocument {
  readonly payload: string;
  readonly bytes: Uint8Array;
  readonly terms: AgreementTerms;
  readonly entries: readonly ParsedEntry[];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const HEADER_FIELDS = ['alg', 'kid', 'typ'];

/** Every check that needs no key: shape, canonical payload, valid terms, headers, who signed. */
function parseDocument(input: unknown): ParsedDocument {
  if (!isRecord(input)) throw malformed('an agreement document is a JSON object');
  const extra = Object.keys(input).filter((field) => field !== 'payload' && field !== 'signatures');
  if (extra.length > 0) throw malformed(`unexpected properties: ${extra.join(', ')}`);
  const { payload, signatures } = input;
  if (!isBase64Url(payload)) throw malformed('payload must be a base64url string');
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw malformed('signatures must be a non-empty array');
  }
  const raw = signatures.map((entry: unknown, i) => entryShape(entry, i));

  const bytes = Buffer.from(payload, 'base64url');
  const text = utf8(bytes);
  if (text === undefined) throw notCanonical('the payload is not UTF-8 text');
  const value = parseJson(text);
  if (value === undefined) throw notCanonical('the payload is not JSON');
  if (!isCanonical(value, bytes)) throw notCanonical('the payload is not in canonical form (RFC 8785)');
  assertTerms(value);
  const terms = value;
  if (raw.length > 2 * terms.parties.length) {
    throw malformed(`${raw.length} signatures for ${terms.parties.length} parties`);
  }

  const entries: ParsedEntry[] = [];
  raw.forEach((entry, i) => {
    const kid = headerKid(entry.protected, i);
    const owners = terms.parties.filter((party) => terms.keys[party]!.includes(kid));
    if (owners.length !== 1) {
      throw new AgreementDocumentError(
        AgreementDocumentErrorCode.SignerNotParty,
        `signatures[${i}]: key ${kid} is not listed for exactly one party`,
      );
    }
    const region = owners[0]!;
    if (entries.some((earlier) => earlier.region === region)) {
      throw new AgreementDocumentError(
        AgreementDocumentErrorCode.DuplicateSignature,
        `signatures[${i}]: ${region} signs more than once`,
      );
    }
    entries.push({ ...entry, region, kid });
  });
  return { payload, bytes, terms, entries };
}

function entryShape(entry: unknown, index: number): AgreementSignatureEntry {
  if (!isRecord(entry)) throw malformed(`signatures[${index}] must be an object`);
  const extra = Object.keys(entry).filter((field) => field !== 'protected' && field !== 'signature');
  if (extra.length > 0)
    throw malformed(`signatures[${index}] has unexpected properties: ${extra.join(', ')}`);
  if (!isBase64Url(entry.protected)) throw malformed(`signatures[${index}].protected must be base64url`);
  if (!isBase64Url(entry.signature)) throw malformed(`signatures[${index}].signature must be base64url`);
  return { protected: entry.protected, signature: entry.signature };
}

/** The kid of a protected header that is exactly {alg: EdDSA, kid, typ: AGREEMENT_TYP}. */
function headerKid(encoded: string, index: number): string {
  const text = utf8(Buffer.from(encoded, 'base64url'));
  const header = text === undefined ? undefined : parseJson(text);
  const ok =
    isRecord(header) &&
    Object.keys(header).length === HEADER_FIELDS.length &&
    HEADER_FIELDS.every((field) => Object.prototype.hasOwnProperty.call(header, field)) &&
    header.alg === SIGNING_ALG &&
    header.typ === AGREEMENT_TYP &&
    typeof header.kid === 'string';
  if (!ok) {
    throw malformed(
      `signatures[${index}].protected must be exactly {alg: ${SIGNING_ALG}, kid, typ: ${AGREEMENT_TYP}}`,
    );
  }
  return header.kid as string;
}

async function signPayload(
  bytes: Uint8Array,
  signer: Signer,
): Promise<{ payload: string; entry: AgreementSignatureEntry }> {
  const jws = await new FlattenedSign(bytes)
    .setProtectedHeader({ alg: SIGNING_ALG, kid: signer.kid, typ: AGREEMENT_TYP })
    .sign(signer.privateKey);
  return { payload: jws.payload, entry: { protected: jws.protected!, signature: jws.signature } };
}

function assertTerms(value: unknown): asserts value is AgreementTerms {
  const problems = agreementTermsProblems(value);
  if (problems.length > 0) {
    throw new AgreementDocumentError(
      AgreementDocumentErrorCode.TermsInvalid,
      `the agreement terms are invalid: ${problems.join('; ')}`,
      problems,
    );
  }
}

/** Unpadded base64url in its one canonical spelling, so the same bytes cannot travel as two strings. */
function isBase64Url(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    BASE64URL.test(value) &&
    Buffer.from(value, 'base64url').toString('base64url') === value
  );
}

function isCanonical(value: unknown, bytes: Uint8Array): boolean {
  try {
    return Buffer.from(canonicalJson(value), 'utf8').equals(bytes);
  } catch {
    return false; // e.g. a number too large for JSON's canonical form
  }
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function notCanonical(problem: string): AgreementDocumentError {
  return new AgreementDocumentError(
    AgreementDocumentErrorCode.NotCanonical,
    `${problem}: an agreement payload must be the exact canonical JSON of the terms`,
  );
}

function malformed(message: string): AgreementDocumentError {
  return new AgreementDocumentError(AgreementDocumentErrorCode.Malformed, message);
}
