export type MerkleProblem =
  /** A size, index or range is not a safe integer or lies outside the tree. */
  | 'invalid-argument'
  /** The lookup given to an assembling function lacks a hash its plan asked for. */
  | 'missing-hash'
  /** A hash is not exactly 32 bytes. */
  | 'malformed-hash';

/**
 * Thrown by the storage-side functions (plans, assembly, append) when the caller or the stored data
 * is wrong. The verifiers never throw: a proof that does not check out is simply `false`.
 */
export class MerkleError extends Error {
  constructor(
    readonly problem: MerkleProblem,
    message: string,
  ) {
    super(message);
    this.name = 'MerkleError';
  }
}
