import type { CryptoKey } from 'jose';
import { canonicalBytes } from '../canonical-json/canonical-json';
import type { Signer } from '../keys/signing-key';
import { hashFromBase64Url, hashToBase64Url, leafHash } from '../merkle/merkle-hash';
import { StoredHashMap } from '../merkle/merkle-plan';
import { bitLength } from '../merkle/merkle-shape';
import { MerkleStorageLayout } from '../merkle/merkle-storage-layout';
import { verifyInclusion } from '../merkle/merkle-verify';
import { signCanonical, signedKid, verifyCanonical } from '../signed-json/signed-json';

export const RECORD_BATCH_TYP = 'regulink-record-batch+jws';

/** Records one batch may hold: one signature covers them all. */
export const MAX_BATCH_RECORDS = 10_000;

/** The most hashes an inclusion proof in a batch of at most MAX_BATCH_RECORDS can have (14). */
export const MAX_BATCH_PROOF_LENGTH = bitLength(MAX_BATCH_RECORDS - 1);

/**
 * What the sending node signs for a batch of records: who sends what to whom under which
 * agreement, and the RFC 9162 Merkle root over the records' canonical JSON, in batch order.
 */
export interface RecordBatchHead {
  readonly v: 1;
  /** UUIDv7 of the batch. */
  readonly id: string;
  /** What the records are (`shop`, `landing`). */
  readonly kind: string;
  readonly from: string;
  readonly to: string;
  readonly agreement: string;
  readonly size: number;
  /** Merkle tree hash over the records, base64url. */
  readonly root: string;
  readonly signedAt: string;
}

/** A signed batch: its head, and for each record (in order) the proof that it is in the batch. */
export interface SignedRecordBatch {
  readonly head: string;
  /** `proofs[i]` is record i's inclusion proof, hashes in base64url. */
  readonly proofs: readonly (readonly string[])[];
}

/**
 * A batch's tree is built whole in memory, every level kept: each record's proof is then read off
 * the stored subtrees (a few hashes for the right edge) rather than recomputed from the leaves.
 */
const batchLayout = new MerkleStorageLayout({ lowest: 1, stride: 1 });

/** The leaf hash of a record: over its RFC 8785 canonical JSON. */
export function recordLeafHash(record: unknown): Uint8Array {
  return leafHash(canonicalBytes(record));
}

/**
 * The Merkle tree of a batch, in batch order: its root and each record's inclusion proof. The
 * sender signs the root; the receiver, holding the whole batch, rebuilds the tree to check the
 * signed root and to keep each record's proof without having to trust the sender's.
 */
export function recordBatchTree(records: readonly unknown[]): { root: string; proofs: string[][] } {
  if (records.length === 0 || records.length > MAX_BATCH_RECORDS) {
    throw new RangeError(`a record batch holds 1 to ${MAX_BATCH_RECORDS} records`);
  }
  const leaves = records.map(recordLeafHash);
  const hashes = new StoredHashMap();
  leaves.forEach((hash, index) => hashes.addLeaf(index, hash));
  const { root, nodes } = batchLayout.append(0, leaves, hashes);
  for (const node of nodes) hashes.addNode(node.level, node.index, node.hash);
  const size = leaves.length;
  return {
    root: hashToBase64Url(root),
    proofs: leaves.map((_, index) =>
      batchLayout.inclusionProofFrom(index, size, hashes).map(hashToBase64Url),
    ),
  };
}

/**
 * Signs a batch of records: one signature over the Merkle root, and an inclusion proof per record,
 * so that any one record can later be checked against the signed head alone.
 */
export async function signRecordBatch(
  head: Omit<RecordBatchHead, 'v' | 'size' | 'root' | 'signedAt'>,
  records: readonly unknown[],
  signer: Signer,
  signedAt: Date = new Date(),
): Promise<SignedRecordBatch> {
  const { root, proofs } = recordBatchTree(records);
  const signed: RecordBatchHead = {
    v: 1,
    ...head,
    size: records.length,
    root,
    signedAt: signedAt.toISOString(),
  };
  return { head: await signCanonical(signed, RECORD_BATCH_TYP, signer), proofs };
}

/** The key id a batch head names, to choose the sender's key that verifies it. */
export function recordBatchKid(jws: string): string | undefined {
  return signedKid(jws, RECORD_BATCH_TYP);
}

/** Verifies a batch head's signature and shape; returns the head. Throws when it is not one, or not signed by `key`. */
export async function verifyRecordBatchHead(jws: string, key: CryptoKey): Promise<RecordBatchHead> {
  const head = (await verifyCanonical(jws, RECORD_BATCH_TYP, key)) as RecordBatchHead;
  const ok =
    head.v === 1 &&
    typeof head.id === 'string' &&
    typeof head.kind === 'string' &&
    typeof head.from === 'string' &&
    typeof head.to === 'string' &&
    typeof head.agreement === 'string' &&
    Number.isSafeInteger(head.size) &&
    head.size >= 1 &&
    head.size <= MAX_BATCH_RECORDS &&
    hashFromBase64Url(head.root) !== undefined &&
    typeof head.signedAt === 'string';
  if (!ok) throw new Error('malformed record batch head');
  return head;
}

/** True when `record`, at `index`, is in the batch whose verified head is `head`, by its proof. */
export function isRecordInBatch(
  record: unknown,
  index: number,
  proof: readonly string[],
  head: RecordBatchHead,
): boolean {
  // Before any work per hash: no proof in a batch is longer.
  if (proof.length > MAX_BATCH_PROOF_LENGTH) return false;
  const hashes = proof.map(hashFromBase64Url);
  const root = hashFromBase64Url(head.root);
  if (!root || hashes.some((h) => h === undefined)) return false;
  return verifyInclusion(recordLeafHash(record), index, head.size, hashes as Uint8Array[], root);
}
