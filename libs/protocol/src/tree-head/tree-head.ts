import { base64url, type CryptoKey } from 'jose';
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
  const head = await verifyCanonical(jws, TREE_HEAD_TYP, key);
  if (!isTreeHead(head)) throw new Error('malformed tree head');
  return head;
}

/**
 * What a signed tree head says, read without checking its signature (for a head this node signed
 * and stored itself: its JWS, not any column beside it, is what it stated); undefined when it is
 * not a tree head.
 */
export function readTreeHead(jws: string): TreeHead | undefined {
  try {
    const head: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(jws.split('.')[1] ?? '')));
    return treeHeadKid(jws) !== undefined && isTreeHead(head) ? head : undefined;
  } catch {
    return undefined;
  }
}

function isTreeHead(value: unknown): value is TreeHead {
  const head = value as TreeHead;
  return (
    typeof value === 'object' &&
    value !== null &&
    head.v === 1 &&
    typeof head.region === 'string' &&
    /^\d{6}$/.test(head.region) &&
    Number.isSafeInteger(head.size) &&
    head.size >= 0 &&
    typeof head.root === 'string' &&
    hashFromBase64Url(head.root) !== undefined &&
    typeof head.signedAt === 'string' &&
    !Number.isNaN(Date.parse(head.signedAt)) &&
    Object.keys(head).length === 5
  );
}
