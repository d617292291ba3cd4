import { CompactSign, compactVerify, type CryptoKey } from 'jose';
import { canonicalJson } from '../canonical-json/canonical-json';
import { SIGNING_ALG, type Signer } from '../keys/signing-key';

export const RECEIPT_TYP = 'regulink-receipt+jws';

export type ReceiptStatus = 'accepted' | 'rejected' | 'duplicate';

/** The receiver's signed statement of what it received and what it did with it. */
export interface ReceiptClaims {
  readonly v: 1;
  /** Envelope id, when the envelope could be read far enough to know it. */
  readonly of: string | null;
  /** SHA-256 (base64url) of the compact JWS exactly as received. */
  readonly digest: string;
  readonly status: ReceiptStatus;
  /** Why it was refused (an EnvelopeErrorCode or a policy code); null when accepted. */
  readonly code: string | null;
  /** Region code of the node that received it and signs this receipt. */
  readonly by: string;
  readonly receivedAt: string;
}

export async function signReceipt(claims: ReceiptClaims, signer: Signer): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(claims)))
    .setProtectedHeader({ alg: SIGNING_ALG, kid: signer.kid, typ: RECEIPT_TYP })
    .sign(signer.privateKey);
}

/** The kid a receipt claims to be signed with, to pick the verification key. */
export function receiptKid(jws: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies a receipt's signature and returns its claims; throws on any mismatch. */
export async function verifyReceipt(jws: string, key: CryptoKey): Promise<ReceiptClaims> {
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: [SIGNING_ALG] });
  if (protectedHeader.typ !== RECEIPT_TYP) throw new Error('not a receipt');
  const text = new TextDecoder().decode(payload);
  const claims = JSON.parse(text) as ReceiptClaims;
  if (canonicalJson(claims) !== text || claims.v !== 1) throw new Error('receipt payload is not canonical');
  return claims;
}
