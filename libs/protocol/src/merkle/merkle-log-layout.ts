import type { MerklePlan, StoredHashes } from './merkle-plan';
import { MerkleStorageLayout, type AppendOutcome } from './merkle-storage-layout';

/**
 * The audit log stores its leaf hashes and every complete subtree of 16 leaves or more (levels 4
 * and up); levels 1–3 are recomputed from the leaves when a proof needs them. That is one node row
 * per 8 leaves — 1.125 rows per leaf instead of 2 when every level is stored — while a proof still
 * reads only about 15 leaf rows for the bottom four levels plus one row per level above them.
 * Changing it changes which rows exist, so it is fixed for the life of a log.
 */
export const MERKLE_LOWEST_STORED_LEVEL = 4;

const layout = new MerkleStorageLayout({ lowest: MERKLE_LOWEST_STORED_LEVEL, stride: 1 });

/** Whether interior nodes at `level` (≥ 1) are stored. */
export function isStoredLevel(level: number): boolean {
  return level >= 1 && layout.isStoredLevel(level);
}

/** Stored hashes needed for the root of the tree of `size` leaves. */
export function rootPlan(size: number): MerklePlan {
  return layout.rootPlan(size);
}

/** MTH of the first `size` leaves, from the hashes listed by `rootPlan(size)`. */
export function rootFrom(size: number, hashes: StoredHashes): Uint8Array {
  return layout.rootFrom(size, hashes);
}

/** Stored hashes needed for the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionPlan(index: number, size: number): MerklePlan {
  return layout.inclusionPlan(index, size);
}

/** PATH(index, D[size]), leaf side first, from the hashes listed by `inclusionPlan`. */
export function inclusionProofFrom(index: number, size: number, hashes: StoredHashes): Uint8Array[] {
  return layout.inclusionProofFrom(index, size, hashes);
}

/** Stored hashes needed for the consistency proof from size `m` to size `n`. */
export function consistencyPlan(m: number, n: number): MerklePlan {
  return layout.consistencyPlan(m, n);
}

/** PROOF(m, D[n]) from the hashes listed by `consistencyPlan`; empty when m = 0 or m = n. */
export function consistencyProofFrom(m: number, n: number, hashes: StoredHashes): Uint8Array[] {
  return layout.consistencyProofFrom(m, n, hashes);
}

/** Stored hashes an append to a tree of `oldSize` leaves needs (the same set as `rootPlan`). */
export function appendPlan(oldSize: number): MerklePlan {
  return layout.appendPlan(oldSize);
}

/**
 * Appends a batch of leaf hashes to the tree of `oldSize` leaves, given the hashes listed by
 * `appendPlan(oldSize)`. Returns the interior nodes to store with the new leaves, and the new root.
 */
export function appendLeaves(
  oldSize: number,
  leafHashes: readonly Uint8Array[],
  hashes: StoredHashes,
): AppendOutcome {
  return layout.append(oldSize, leafHashes, hashes);
}
