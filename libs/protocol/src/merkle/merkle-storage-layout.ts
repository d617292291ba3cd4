import { MerkleError } from './merkle-error';
import { emptyRoot, interiorHash, isMerkleHash } from './merkle-hash';
import type { MerklePlan, NodeCoordinate, StoredHashes, StoredNode } from './merkle-plan';
import {
  consistencyRanges,
  inclusionRanges,
  isTreeSize,
  perfectSubtrees,
  type LeafRange,
  type PerfectSubtree,
} from './merkle-shape';

/** What an append produces: the rows to insert next to the new leaves, and the new tree head. */
export interface AppendOutcome {
  readonly size: number;
  readonly root: Uint8Array;
  /** Interior nodes completed by the batch, to be stored; ordered by level, then index. */
  readonly nodes: StoredNode[];
}

const NOTHING: MerklePlan = Object.freeze({ leaves: Object.freeze([]), nodes: Object.freeze([]) });

/**
 * Which interior levels a log stores: `lowest`, then every `stride`-th level above it. Level 0
 * (the leaf hashes) is always stored.
 */
export interface StoredLevels {
  readonly lowest: number;
  readonly stride: number;
}

/**
 * Storage layout of a log that keeps its leaf hashes and, above them, the complete aligned subtrees
 * at the levels given by {@link StoredLevels}. A subtree at a level that is not stored is
 * recomputed from the stored hashes under it at the nearest stored level below.
 *
 * Every computation comes in two pure steps: a plan listing the stored hashes it needs (one query
 * for the caller), then an assembling function taking those hashes.
 */
export class MerkleStorageLayout {
  constructor(readonly levels: StoredLevels) {
    const { lowest, stride } = levels;
    if (![lowest, stride].every((n) => Number.isInteger(n) && n >= 1 && n <= 16)) {
      throw new MerkleError(
        'invalid-argument',
        'the lowest stored level and the stride are integers from 1 to 16',
      );
    }
  }

  /** Whether the hashes of complete subtrees at `level` are stored (level 0: the leaves). */
  isStoredLevel(level: number): boolean {
    const { lowest, stride } = this.levels;
    return level === 0 || (level >= lowest && (level - lowest) % stride === 0);
  }

  /** The nearest stored level at or below `level`. */
  private baseLevel(level: number): number {
    const { lowest, stride } = this.levels;
    return level < lowest ? 0 : level - ((level - lowest) % stride);
  }

  private nextStoredLevel(level: number): number {
    return level === 0 ? this.levels.lowest : level + this.levels.stride;
  }

  rootPlan(size: number): MerklePlan {
    requireSize(size, 'size');
    return size === 0 ? NOTHING : this.planFor([{ start: 0, end: size }]);
  }

  rootFrom(size: number, hashes: StoredHashes): Uint8Array {
    requireSize(size, 'size');
    return size === 0 ? emptyRoot() : this.rangeHash({ start: 0, end: size }, hashes);
  }

  /** Stored hashes needed for the audit path of leaf `index` in the tree of `size` leaves. */
  inclusionPlan(index: number, size: number): MerklePlan {
    requireIndex(index, size);
    return this.planFor(inclusionRanges(index, size));
  }

  inclusionProofFrom(index: number, size: number, hashes: StoredHashes): Uint8Array[] {
    requireIndex(index, size);
    return inclusionRanges(index, size).map((range) => this.rangeHash(range, hashes));
  }

  /** Stored hashes needed to prove that the tree of size `m` is a prefix of the tree of size `n`. */
  consistencyPlan(m: number, n: number): MerklePlan {
    requireSizes(m, n);
    return m === 0 || m === n ? NOTHING : this.planFor(consistencyRanges(m, n));
  }

  consistencyProofFrom(m: number, n: number, hashes: StoredHashes): Uint8Array[] {
    requireSizes(m, n);
    if (m === 0 || m === n) return [];
    return consistencyRanges(m, n).map((range) => this.rangeHash(range, hashes));
  }

  /**
   * Stored hashes an append to a tree of `oldSize` leaves needs: at each stored level, the
   * complete nodes there that do not yet form a node of the next stored level.
   * They are exactly what {@link rootPlan} asks for, so a writer also gets the old root from them.
   */
  appendPlan(oldSize: number): MerklePlan {
    requireSize(oldSize, 'oldSize');
    const leaves: number[] = [];
    const nodes: NodeCoordinate[] = [];
    for (let level = 0, count = oldSize; count > 0;) {
      const next = this.nextStoredLevel(level);
      const width = 2 ** (next - level);
      for (let index = Math.floor(count / width) * width; index < count; index++) {
        if (level === 0) leaves.push(index);
        else nodes.push({ level, index });
      }
      count = Math.floor(count / width);
      level = next;
    }
    return { leaves, nodes };
  }

  /**
   * Appends a batch of leaf hashes to a tree of `oldSize` leaves. `hashes` must hold what
   * `appendPlan(oldSize)` lists. Returns the interior nodes the batch completes (to be stored with
   * the leaves) and the root of the grown tree.
   */
  append(oldSize: number, leafHashes: readonly Uint8Array[], hashes: StoredHashes): AppendOutcome {
    requireSize(oldSize, 'oldSize');
    if (!Array.isArray(leafHashes)) throw new MerkleError('invalid-argument', 'leafHashes must be an array');
    for (const hash of leafHashes) {
      if (!isMerkleHash(hash)) throw new MerkleError('malformed-hash', 'every leaf hash must be 32 bytes');
    }
    const size = oldSize + leafHashes.length;
    requireSize(size, 'the new size');
    if (size === 0) return { size, root: emptyRoot(), nodes: [] };

    const nodes: StoredNode[] = [];
    // Complete subtrees along the right edge of the new tree, rightmost (smallest) first.
    const rootParts: Uint8Array[] = [];
    let fresh: readonly Uint8Array[] = leafHashes;
    for (let level = 0, oldCount = oldSize, newCount = size; newCount > 0;) {
      // A node at the next stored level is made of `width` adjacent hashes at this one.
      const next = this.nextStoredLevel(level);
      const width = 2 ** (next - level);
      // Hashes at this level, from the start of the group still open before the batch to the end.
      const from = Math.floor(oldCount / width) * width;
      const row: Uint8Array[] = new Array<Uint8Array>(newCount - from);
      for (let index = from; index < oldCount; index++) row[index - from] = this.stored(hashes, level, index);
      for (let i = 0; i < fresh.length; i++) row[oldCount - from + i] = fresh[i];

      const oldParents = Math.floor(oldCount / width);
      const newParents = Math.floor(newCount / width);
      const parents: Uint8Array[] = [];
      for (let parent = oldParents; parent < newParents; parent++) {
        const hash = foldPerfect(row, parent * width - from, width);
        parents.push(hash);
        nodes.push({ level: next, index: parent, hash });
      }

      // What is left of the row after the last complete group lies on the right edge of the tree.
      const open = perfectSubtrees({ start: newParents * width, end: newCount });
      for (let i = open.length - 1; i >= 0; i--) {
        const part = open[i];
        const partWidth = 2 ** part.level;
        rootParts.push(foldPerfect(row, part.index * partWidth - from, partWidth));
      }

      fresh = parents;
      oldCount = oldParents;
      newCount = newParents;
      level = next;
    }
    let root = rootParts[0];
    for (let i = 1; i < rootParts.length; i++) root = interiorHash(rootParts[i], root);
    return { size, root, nodes };
  }

  /** The stored level below a subtree and the run of stored hashes there that make it up. */
  private cover(part: PerfectSubtree): { level: number; first: number; count: number } {
    const level = this.baseLevel(part.level);
    const count = 2 ** (part.level - level);
    return { level, first: part.index * count, count };
  }

  private planFor(ranges: readonly LeafRange[]): MerklePlan {
    // Proof ranges are disjoint, so the stored hashes under them are distinct.
    const leaves: number[] = [];
    const nodes: NodeCoordinate[] = [];
    for (const range of ranges) {
      for (const part of perfectSubtrees(range)) {
        const { level, first, count } = this.cover(part);
        for (let index = first; index < first + count; index++) {
          if (level === 0) leaves.push(index);
          else nodes.push({ level, index });
        }
      }
    }
    return { leaves, nodes };
  }

  /** MTH(D[start:end]) for a range of the RFC recursion. */
  private rangeHash(range: LeafRange, hashes: StoredHashes): Uint8Array {
    const parts = perfectSubtrees(range);
    let hash = this.subtreeHash(parts[parts.length - 1], hashes);
    for (let i = parts.length - 2; i >= 0; i--) hash = interiorHash(this.subtreeHash(parts[i], hashes), hash);
    return hash;
  }

  private subtreeHash(part: PerfectSubtree, hashes: StoredHashes): Uint8Array {
    const { level, first, count } = this.cover(part);
    const row = new Array<Uint8Array>(count);
    for (let i = 0; i < count; i++) row[i] = this.stored(hashes, level, first + i);
    return foldPerfect(row, 0, count);
  }

  private stored(hashes: StoredHashes, level: number, index: number): Uint8Array {
    const hash = level === 0 ? hashes.leaf(index) : hashes.node(level, index);
    if (hash === undefined) {
      const what = level === 0 ? `leaf ${index}` : `node at level ${level}, index ${index}`;
      throw new MerkleError('missing-hash', `the stored hashes lack ${what}`);
    }
    if (!isMerkleHash(hash)) throw new MerkleError('malformed-hash', 'a stored hash is not 32 bytes');
    return hash;
  }
}

/** Root of the complete subtree over `count` (a power of two) adjacent hashes of `row`. */
function foldPerfect(row: readonly Uint8Array[], offset: number, count: number): Uint8Array {
  if (count === 1) return row[offset];
  const layer = new Array<Uint8Array>(count / 2);
  for (let i = 0; i < layer.length; i++)
    layer[i] = interiorHash(row[offset + 2 * i], row[offset + 2 * i + 1]);
  for (let width = layer.length; width > 1; width /= 2) {
    for (let i = 0; i < width / 2; i++) layer[i] = interiorHash(layer[2 * i], layer[2 * i + 1]);
  }
  return layer[0];
}

function requireSize(size: number, name: string): void {
  if (!isTreeSize(size))
    throw new MerkleError('invalid-argument', `${name} must be a non-negative safe integer`);
}

function requireIndex(index: number, size: number): void {
  requireSize(size, 'size');
  if (!isTreeSize(index) || index >= size) {
    throw new MerkleError('invalid-argument', `leaf index must be an integer in [0, ${size})`);
  }
}

function requireSizes(m: number, n: number): void {
  requireSize(m, 'm');
  requireSize(n, 'n');
  if (m > n) throw new MerkleError('invalid-argument', 'the older tree cannot be larger than the newer one');
}
