import { MerkleError } from './merkle-error';
import { isMerkleHash } from './merkle-hash';

/** A stored interior node: the complete subtree at `level` (≥ 1) and position `index`. */
export interface NodeCoordinate {
  readonly level: number;
  readonly index: number;
}

export interface StoredNode extends NodeCoordinate {
  readonly hash: Uint8Array;
}

export interface StoredLeaf {
  readonly index: number;
  readonly hash: Uint8Array;
}

/**
 * The stored hashes a computation needs: fetch them all in one query, put them in a
 * {@link StoredHashes}, and hand that to the matching assembling function. No duplicates.
 */
export interface MerklePlan {
  /** Leaf indexes whose leaf hashes are needed. */
  readonly leaves: readonly number[];
  /** Stored interior nodes whose hashes are needed. */
  readonly nodes: readonly NodeCoordinate[];
}

/** Read access to hashes fetched for a plan. Return `undefined` for what was not fetched. */
export interface StoredHashes {
  leaf(index: number): Uint8Array | undefined;
  node(level: number, index: number): Uint8Array | undefined;
}

/**
 * A {@link StoredHashes} over rows already in memory, keyed by position. Hashes are kept by
 * reference, not copied.
 */
export class StoredHashMap implements StoredHashes {
  /** `byLevel[0]` holds the leaves. */
  private readonly byLevel: Map<number, Uint8Array>[] = [];

  static of(leaves: Iterable<StoredLeaf>, nodes: Iterable<StoredNode> = []): StoredHashMap {
    const map = new StoredHashMap();
    for (const leaf of leaves) map.addLeaf(leaf.index, leaf.hash);
    for (const node of nodes) map.addNode(node.level, node.index, node.hash);
    return map;
  }

  addLeaf(index: number, hash: Uint8Array): this {
    return this.put(0, index, hash);
  }

  addNode(level: number, index: number, hash: Uint8Array): this {
    if (!Number.isSafeInteger(level) || level < 1) {
      throw new MerkleError('invalid-argument', `a stored node has level ≥ 1, got ${level}`);
    }
    return this.put(level, index, hash);
  }

  leaf(index: number): Uint8Array | undefined {
    return this.byLevel[0]?.get(index);
  }

  node(level: number, index: number): Uint8Array | undefined {
    return level >= 1 ? this.byLevel[level]?.get(index) : undefined;
  }

  private put(level: number, index: number, hash: Uint8Array): this {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new MerkleError('invalid-argument', `a stored index is a non-negative integer, got ${index}`);
    }
    if (!isMerkleHash(hash)) throw new MerkleError('malformed-hash', 'a stored hash is 32 bytes');
    (this.byLevel[level] ??= new Map()).set(index, hash);
    return this;
  }
}

/** One plan covering several, so that e.g. a proof and the root it leads to take one query. */
export function mergePlans(...plans: MerklePlan[]): MerklePlan {
  const leaves = new Set<number>();
  const nodes = new Map<string, NodeCoordinate>();
  for (const plan of plans) {
    for (const index of plan.leaves) leaves.add(index);
    for (const node of plan.nodes) nodes.set(`${node.level}:${node.index}`, node);
  }
  return { leaves: [...leaves], nodes: [...nodes.values()] };
}
