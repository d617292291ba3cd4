import type { CryptoKey } from 'jose';
import type { Signer } from '../keys/signing-key';
import { signCanonical, signedKid, verifyCanonical } from '../signed-json/signed-json';

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

export function signReceipt(claims: ReceiptClaims, signer: Signer): Promise<string> {
  return signCanonical(claims, RECEIPT_TYP, signer);
}

/** The kid a receipt claims to be signed with, to pick the verification key. */
export function receiptKid(jws: string): string | undefined {
  return signedKid(jws, RECEIPT_TYP);
}

/** Verifies a receipt's signature and returns its claims; throws on any mismatch. */
export async function verifyReceipt(jws: string, key: CryptoKey): Promise<ReceiptClaims> {
  const claims = (await verifyCanonical(jws, RECEIPT_TYP, key)) as ReceiptClaims;
  if (claims.v !== 1) throw new Error('unknown receipt version');
  return claims;
}
