import { CompactSign, compactVerify, decodeProtectedHeader, type CryptoKey } from 'jose';
import { canonicalJson } from '../canonical-json/canonical-json';
import { SIGNING_ALG, type Signer } from '../keys/signing-key';

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

export async function signTreeHead(head: TreeHead, signer: Signer): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(head)))
    .setProtectedHeader({ alg: SIGNING_ALG, kid: signer.kid, typ: TREE_HEAD_TYP })
    .sign(signer.privateKey);
}

export function treeHeadKid(jws: string): string | undefined {
  try {
    const header = decodeProtectedHeader(jws);
    return header.typ === TREE_HEAD_TYP && typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies a signed tree head and returns it; throws when it is not one, or not signed by `key`. */
export async function verifyTreeHead(jws: string, key: CryptoKey): Promise<TreeHead> {
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: [SIGNING_ALG] });
  if (protectedHeader.typ !== TREE_HEAD_TYP) throw new Error('not a tree head');
  const text = new TextDecoder().decode(payload);
  const head = JSON.parse(text) as TreeHead;
  const ok =
    head.v === 1 &&
    typeof head.region === 'string' &&
    Number.isSafeInteger(head.size) &&
    head.size >= 0 &&
    typeof head.root === 'string' &&
    typeof head.signedAt === 'string' &&
    canonicalJson(head) === text;
  if (!ok) throw new Error('malformed tree head');
  return head;
}
