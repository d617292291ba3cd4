import { compactVerify, type CryptoKey } from 'jose';
import { canonicalJson } from '../canonical-json/canonical-json';
import { sha256Base64Url } from '../digest/digest';
import { SIGNING_ALG, type Signer } from '../keys/signing-key';
import { inputProblem } from '../input/input-problem';
import { signCanonical } from '../signed-json/signed-json';
import { EnvelopeError, EnvelopeErrorCode } from './envelope-error';

export const ENVELOPE_TYP = 'regulink-envelope+jws';
export const ENVELOPE_VERSION = 1;

/** What a node signs when it sends a message to another node. */
export interface EnvelopeClaims<B = Record<string, unknown>> {
  readonly v: typeof ENVELOPE_VERSION;
  /** UUIDv7: unique per message, time-ordered. */
  readonly id: string;
  /** Message type, declared in the message registry with its body schema. */
  readonly type: string;
  /** Region code of the sending node. */
  readonly from: string;
  /** Region code of the receiving node. */
  readonly to: string;
  /** The cooperation agreement the exchange happens under, when one applies. */
  readonly agreement: string | null;
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  /** Expires at, seconds since the epoch. */
  readonly exp: number;
  readonly body: B;
}

/** A parsed but not yet authenticated envelope. */
export interface ParsedEnvelope {
  readonly jws: string;
  /** SHA-256 of the compact JWS as received: what receipts and the audit log name. */
  readonly digest: string;
  readonly kid: string;
  readonly claims: EnvelopeClaims;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REGION = /^\d{6}$/;
const TYPE = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)+$/;

/** Signs an envelope: a compact JWS whose payload is the RFC 8785 canonical JSON of the claims. */
export function signEnvelope(claims: EnvelopeClaims, signer: Signer): Promise<string> {
  return signCanonical(claims, ENVELOPE_TYP, signer);
}

/**
 * The receiver's first two checks, with no key and no state: the size limit, then the shape (a
 * compact JWS, our header, canonical JSON claims with every field of the right type).
 */
export function parseEnvelope(input: unknown, maxBytes: number): ParsedEnvelope {
  if (typeof input === 'string' && Buffer.byteLength(input) > maxBytes) {
    throw new EnvelopeError(EnvelopeErrorCode.TooLarge, `the envelope exceeds ${maxBytes} bytes`);
  }
  if (typeof input !== 'string') throw malformed('the envelope must be a compact JWS string');
  const parts = input.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
    throw malformed('the envelope is not a compact JWS');
  }
  const header = decodeJson(parts[0]!, 'protected header');
  if (header.alg !== SIGNING_ALG || header.typ !== ENVELOPE_TYP || typeof header.kid !== 'string') {
    throw malformed(`the protected header must name alg ${SIGNING_ALG}, typ ${ENVELOPE_TYP} and a kid`);
  }
  if (Object.keys(header).some((k) => !['alg', 'typ', 'kid'].includes(k))) {
    throw malformed('the protected header carries unexpected parameters');
  }
  const payloadText = Buffer.from(parts[1]!, 'base64url').toString('utf8');
  const claims = decodeJsonText(payloadText, 'payload');
  // Before anything walks it (the canonical form below): a deep nesting would exhaust the stack.
  const tooDeep = inputProblem(claims, '', { text: false });
  if (tooDeep !== null) throw malformed(tooDeep);
  assertClaims(claims);
  let canonical: string;
  try {
    canonical = canonicalJson(claims);
  } catch (error) {
    // RFC 8785 takes well-formed text only (I-JSON): a lone surrogate has no canonical form.
    throw malformed(`the payload has no canonical JSON form: ${(error as Error).message}`);
  }
  if (canonical !== payloadText) throw malformed('the payload is not in canonical JSON form');
  return { jws: input, digest: sha256Base64Url(input), kid: header.kid, claims };
}

/** Checks the signature of a parsed envelope against the sender's pinned key. */
export async function verifyEnvelopeSignature(envelope: ParsedEnvelope, key: CryptoKey): Promise<void> {
  try {
    await compactVerify(envelope.jws, key, { algorithms: [SIGNING_ALG] });
  } catch {
    throw new EnvelopeError(EnvelopeErrorCode.BadSignature, 'the envelope signature does not verify');
  }
}

function assertClaims(
  value: Record<string, unknown>,
): asserts value is EnvelopeClaims & Record<string, unknown> {
  const problems: string[] = [];
  if (value.v !== ENVELOPE_VERSION) problems.push('v');
  if (typeof value.id !== 'string' || !UUID_V7.test(value.id)) problems.push('id');
  if (typeof value.type !== 'string' || !TYPE.test(value.type) || value.type.length > 64)
    problems.push('type');
  if (typeof value.from !== 'string' || !REGION.test(value.from)) problems.push('from');
  if (typeof value.to !== 'string' || !REGION.test(value.to)) problems.push('to');
  if (value.agreement !== null && (typeof value.agreement !== 'string' || value.agreement.length > 64)) {
    problems.push('agreement');
  }
  if (!Number.isSafeInteger(value.iat)) problems.push('iat');
  if (!Number.isSafeInteger(value.exp) || (value.exp as number) <= (value.iat as number))
    problems.push('exp');
  if (!value.body || typeof value.body !== 'object' || Array.isArray(value.body)) problems.push('body');
  const extra = Object.keys(value).filter(
    (k) => !['v', 'id', 'type', 'from', 'to', 'agreement', 'iat', 'exp', 'body'].includes(k),
  );
  problems.push(...extra);
  if (problems.length > 0) throw malformed(`invalid or unexpected envelope fields: ${problems.join(', ')}`);
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  return decodeJsonText(Buffer.from(part, 'base64url').toString('utf8'), what);
}

function decodeJsonText(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`the ${what} is not JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw malformed(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function malformed(message: string): EnvelopeError {
  return new EnvelopeError(EnvelopeErrorCode.Malformed, message);
}
