import { emptyRoot, hashesEqual, interiorHash, isMerkleHash } from './merkle-hash';
import { bitLength, isTreeSize } from './merkle-shape';

/**
 * Proof checks for peers and offline verifiers, which hold no tree (RFC 9162 2.1.3.2 and
 * 2.1.4.2). They never throw: malformed input of any kind is a failed verification.
 */

/** No proof in a tree of at most 2^53 leaves has more elements than this. */
const MAX_PROOF_LENGTH = 2 * 53;

/**
 * The root that `proof` leads to from leaf `index` of a tree of `size` leaves, or `undefined`
 * when the proof cannot be one for that position (wrong length, bad hashes, index ≥ size).
 */
export function rootFromInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!isMerkleHash(leafHash) || !isTreeSize(index) || !isTreeSize(size) || index >= size) return undefined;
  if (!isHashList(proof)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = interiorHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = interiorHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/** Whether `proof` shows leaf `index` of the tree of `size` leaves with root `root` is `leafHash`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isMerkleHash(root)) return false;
  const computed = rootFromInclusion(leafHash, index, size, proof);
  return computed !== undefined && hashesEqual(computed, root);
}

/**
 * Whether `proof` shows the tree of size `m` with root `rootM` is a prefix of the tree of size `n`
 * with root `rootN`. For m = n the proof must be empty and the roots equal; for m = 0 the proof
 * must be empty and `rootM` the empty-tree root.
 */
export function verifyConsistency(
  m: number,
  n: number,
  rootM: Uint8Array,
  rootN: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isTreeSize(m) || !isTreeSize(n) || m > n) return false;
  if (!isMerkleHash(rootM) || !isMerkleHash(rootN) || !isHashList(proof)) return false;
  if (m === 0) return proof.length === 0 && hashesEqual(rootM, emptyRoot());
  if (m === n) return proof.length === 0 && hashesEqual(rootM, rootN);
  if (proof.length === 0) return false;

  // A complete old tree is itself a node of the new one; its hash starts the chain.
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = interiorHash(c, fr);
      sr = interiorHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = interiorHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(fr, rootM) && hashesEqual(sr, rootN);
}

function isHashList(proof: unknown): proof is readonly Uint8Array[] {
  return Array.isArray(proof) && proof.length <= MAX_PROOF_LENGTH && proof.every(isMerkleHash);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** (bitLength(n) - 1) === n;
}

function half(n: number): number {
  return Math.floor(n / 2);
}
