/**
 * The shape of RFC 9162 trees and proofs, without any hashing: which leaf ranges a root or a proof
 * is made of. Sizes and indexes are plain numbers; every function is exact for all safe integers,
 * so no 32-bit bit operators are applied to them.
 */

/** Leaves [start, end) of the log. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** The complete, aligned subtree at `level` covering leaves [index·2^level, (index+1)·2^level). */
export interface PerfectSubtree {
  readonly level: number;
  readonly index: number;
}

const TWO_TO_32 = 2 ** 32;

/** Number of binary digits of n (0 for 0). */
export function bitLength(n: number): number {
  if (n < TWO_TO_32) return 32 - Math.clz32(n);
  return 64 - Math.clz32(Math.floor(n / TWO_TO_32));
}

/** RFC 9162's k: the largest power of two strictly below n, for n ≥ 2. */
export function largestPowerOfTwoBelow(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

export function isTreeSize(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

/**
 * The complete subtrees whose hashes chain into MTH(D[start:end]), left to right (largest first).
 * Valid for every range the RFC recursion produces, where `start` is a multiple of a power of two
 * at least as large as the range: MTH is then NODE(P1, NODE(P2, … NODE(Pk-1, Pk))).
 */
export function perfectSubtrees(range: LeafRange): PerfectSubtree[] {
  const parts: PerfectSubtree[] = [];
  let at = range.start;
  let remaining = range.end - range.start;
  while (remaining > 0) {
    const level = bitLength(remaining) - 1;
    const width = 2 ** level;
    parts.push({ level, index: at / width });
    at += width;
    remaining -= width;
  }
  return parts;
}

/**
 * The ranges whose MTH make up PATH(index, D[size]) (RFC 9162 2.1.3.1), in proof order: the
 * sibling nearest the leaf first. Requires 0 ≤ index < size.
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  const fromRoot: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (index < split) {
      fromRoot.push({ start: split, end });
      end = split;
    } else {
      fromRoot.push({ start, end: split });
      start = split;
    }
  }
  return fromRoot.reverse();
}

/**
 * The ranges whose MTH make up PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (RFC 9162 2.1.4.1), in
 * proof order. Requires 0 < m < n; the proof for m = 0 or m = n is empty.
 */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  const fromRoot: LeafRange[] = [];
  let start = 0;
  let end = n;
  let isWholeOldTree = true;
  while (m !== end) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (m <= split) {
      fromRoot.push({ start: split, end });
      end = split;
    } else {
      fromRoot.push({ start, end: split });
      start = split;
      isWholeOldTree = false;
    }
  }
  // SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's own root is left out only when the
  // old tree is a complete left subtree, which the verifier already holds as first_hash.
  if (!isWholeOldTree) fromRoot.push({ start, end });
  return fromRoot.reverse();
}
