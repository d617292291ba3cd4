import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A signed batch of records this node sent to a peer or received from one. Its head (the signed
 * Merkle root) is what makes each of its records provable on its own, so a received batch is kept
 * for as long as its records are.
 */
@Entity('registry_sync_batch')
@Index('ix_registry_sync_batch_peer', ['peer', 'kind', 'direction', 'position'])
export class SyncBatchEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** `in` (received) or `out` (sent). */
  @Column('varchar', { length: 3 })
  direction!: 'in' | 'out';

  /** What the records are: `shop` or `landing`. */
  @Column('varchar', { length: 16 })
  kind!: string;

  @Column('varchar', { length: 6 })
  peer!: string;

  @Column('uuid')
  agreement!: string;

  /** The signed head, compact JWS. */
  @Column('text')
  head!: string;

  @Column('integer')
  size!: number;

  /** The sender's feed position after this batch: where the next pull starts. */
  @Column('bigint')
  position!: string;

  /** Records of a received batch that were refused, with why (nothing of them was stored). */
  @Column('jsonb')
  rejected!: { index: number; reason: string }[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
