import type { FieldPolicy, PersonalFieldMap } from '@regulink/domain';
import type { EntityManager } from 'typeorm';

/** A record of a feed, with its position there. */
export interface FeedEntry {
  readonly record: Record<string, unknown>;
  readonly position: string;
}

/** A record of a received batch that passed its checks, with where it sits in the batch. */
export interface ReceivedRecord {
  readonly record: Record<string, unknown>;
  readonly index: number;
  readonly proof: readonly string[];
}

/**
 * What `RecordFeed.check` says of a record that is sound but that this node has no use for now
 * (a withdrawal of a shop never held, a late result from a region no longer the shop's home): it
 * is passed over, neither stored nor refused.
 */
export const PASS_OVER = 'pass over' as const;

/**
 * One kind of record that moves between nodes as signed batches: shops to their home region,
 * landing results back to the reporting region. The sync service does the moving (pull by cursor,
 * nudges, signatures, proofs, field policy); a feed says what its records are and where they live.
 */
export interface RecordFeed {
  /** The kind named in batch heads: `shop` or `landing`. */
  readonly kind: string;
  /** The agreement scope the records cross under, from the feed's node to the puller. */
  readonly scope: string;
  /** The table received records are stored in (its statistics are kept as it grows). */
  readonly table: string;
  /** Where a record carries personal data, for the agreement's field policy. */
  readonly personalFields: PersonalFieldMap;
  /** Fields that cross at most this openly in this feed, whatever the agreement allows. */
  readonly fieldFloor?: FieldPolicy;
  /** The newest position of the feed: every record up to it has committed. */
  newest(): Promise<string>;
  /** Up to `limit` records for `peer` after feed position `after`, in feed order. */
  read(peer: string, after: string, limit: number): Promise<FeedEntry[]>;
  /**
   * What is wrong with each record of a batch received from `from` (null when nothing): its
   * shape, and whether it belongs here. A refused record is reported, not stored; one passed over
   * ({@link PASS_OVER}) is only counted.
   */
  check(records: readonly unknown[], from: string): Promise<(string | typeof PASS_OVER | null)[]>;
  /** Stores the accepted records of a received batch, in the caller's transaction. */
  store(
    manager: EntityManager,
    from: string,
    batchId: string,
    records: readonly ReceivedRecord[],
  ): Promise<void>;
  /** Called after a batch from `from` has been stored and committed. */
  stored?(from: string): void;
}
