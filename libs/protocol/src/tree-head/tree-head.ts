import type { CryptoKey } from 'jose';
import type { Signer } from '../keys/signing-key';
import { hashFromBase64Url } from '../merkle/merkle-hash';
import { signCanonical, signedKid, verifyCanonical } from '../signed-json/signed-json';

export const TREE_HEAD_TYP = 'regulink-tree-head+jws';

/** A node's signed statement of its audit log: how many entries, and the Merkle root over them. */
export interface TreeHead {
  readonly v: 1;
  /** Region code of the node whose log this is. */
  readonly region: string;
  readonly size: number;
  /** RFC 9162 Merkle tree hash of the first `size` entries, base64url. */
  readonly root: string;
  readonly signedAt: string;
}

export function signTreeHead(head: TreeHead, signer: Signer): Promise<string> {
  return signCanonical(head, TREE_HEAD_TYP, signer);
}

export function treeHeadKid(jws: string): string | undefined {
  return signedKid(jws, TREE_HEAD_TYP);
}

/** Verifies a signed tree head and returns it; throws when it is not one, or not signed by `key`. */
export async function verifyTreeHead(jws: string, key: CryptoKey): Promise<TreeHead> {
  const head = (await verifyCanonical(jws, TREE_HEAD_TYP, key)) as TreeHead;
  const ok =
    head.v === 1 &&
    typeof head.region === 'string' &&
    /^\d{6}$/.test(head.region) &&
    Number.isSafeInteger(head.size) &&
    head.size >= 0 &&
    hashFromBase64Url(head.root) !== undefined &&
    typeof head.signedAt === 'string' &&
    !Number.isNaN(Date.parse(head.signedAt)) &&
    Object.keys(head).length === 5;
  if (!ok) throw new Error('malformed tree head');
  return head;
}
