import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** `cancelled`: no longer allowed when its turn came (its agreement was revoked, suspended or ended). */
export type OutboxStatus = 'pending' | 'delivered' | 'rejected' | 'expired' | 'cancelled';

/**
 * A signed envelope waiting for, or done with, delivery. Written in the same transaction as the
 * change that causes it; the delivery worker takes it from here.
 */
@Entity({ name: 'federation_outbox' })
@Index('ix_federation_outbox_due', ['status', 'nextAttemptAt'])
export class OutboxMessageEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'to_region', type: 'varchar', length: 6 })
  toRegion!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 43 })
  digest!: string;

  @Column({ type: 'text' })
  envelope!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: OutboxStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  /** A worker holds the message until then; another may take it over after. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** Names the claim that holds (or last held) the message: only that claim may settle it. */
  @Column({ name: 'lease_token', type: 'uuid', nullable: true })
  leaseToken!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** The receiver's signed receipt, verified. */
  @Column({ type: 'text', nullable: true })
  receipt!: string | null;

  @Column({ name: 'receipt_code', type: 'varchar', length: 64, nullable: true })
  receiptCode!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true })
  settledAt!: Date | null;
}
