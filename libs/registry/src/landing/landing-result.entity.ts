import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The outcome of landing (网店落地) one shop on this node's register: the latest for each shop. */
@Entity('registry_landing')
@Index('ix_registry_landing_outcome', ['outcome', 'landedAt'])
// A GIN index over candidate_codes (declared in the migration).
@Index('ix_registry_landing_candidate_codes', { synchronize: false })
export class LandingResultEntity {
  @PrimaryColumn('varchar', { length: 64 })
  platform!: string;

  /** The shop's normalized URL: with the platform, the shop. */
  @PrimaryColumn('varchar', { length: 2000 })
  url!: string;

  /** matched, mismatch, not-found, deregistered, revoked or ambiguous. */
  @Column('varchar', { length: 16 })
  outcome!: string;

  /** The entity landed on (or found closed), when there is one. */
  @Index('ix_registry_landing_credit_code')
  @Column('varchar', { name: 'credit_code', length: 18, nullable: true })
  creditCode!: string | null;

  /** For a mismatch, the fields that differ. */
  @Column('jsonb', { nullable: true })
  differing!: string[] | null;

  /** For an ambiguous outcome, the candidates with their scores. */
  @Column('jsonb', { nullable: true })
  candidates!: { creditCode: string; score: number }[] | null;

  /** The entity is on the list of abnormal operations. */
  @Column('boolean')
  abnormal!: boolean;

  /**
   * The shop changed after this result was landed (a later report): the result is of the
   * record before, shown as outdated until the new one is landed (or comes back).
   */
  @Column('boolean', { default: false })
  outdated!: boolean;

  /** The shop's content hash when it was landed: a changed shop is landed again. */
  @Column('varchar', { name: 'shop_hash', length: 43 })
  shopHash!: string;

  @Column('timestamptz', { name: 'landed_at' })
  landedAt!: Date;

  /** The region whose node landed the shop and returned this result; null when landed here. */
  @Column('varchar', { name: 'landed_by', length: 6, nullable: true })
  landedBy!: string | null;

  /** A returned result as its home node signed it, the batch it came in, its index and inclusion proof. */
  @Column('jsonb', { nullable: true })
  record!: Record<string, unknown> | null;

  @Column('uuid', { name: 'batch_id', nullable: true })
  batchId!: string | null;

  @Column('integer', { name: 'batch_index', nullable: true })
  batchIndex!: number | null;

  @Column('jsonb', { nullable: true })
  proof!: string[] | null;

  /**
   * For a shop landed here: its position in the shop feed when it was landed (kept when a result
   * returned by another region replaces the local one). Landing goes on from the highest one, so a
   * round reads only the shops that changed since.
   */
  @Index('ix_registry_landing_shop_seq')
  @Column('bigint', { name: 'shop_seq', nullable: true })
  shopSeq!: string | null;

  /**
   * For a shop landed here by its operator's name (it claims no code, or one on no entry here):
   * that name reduced for matching (normalizeEntityText), so that the shop is landed again when an
   * entry of that name is registered or changes.
   */
  @Index('ix_registry_landing_claimed_name_key')
  @Column('varchar', { name: 'claimed_name_key', length: 200, nullable: true })
  claimedNameKey!: string | null;

  /**
   * For an ambiguous result landed here: its candidates' credit codes, so that the shop is landed
   * again when one of them changes (renamed away from the claimed name, say).
   */
  @Column('varchar', { name: 'candidate_codes', length: 18, array: true, nullable: true })
  candidateCodes!: string[] | null;

  /** Position in this node's change feed: taken anew each time the result changes. */
  @Index('ix_registry_landing_change_seq')
  @Column('bigint', { name: 'change_seq', default: () => "nextval('registry_landing_change_seq')" })
  changeSeq!: string;
}
