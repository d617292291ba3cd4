import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An accepted envelope, kept with the receipt this node signed for it. Its id makes receiving idempotent. */
@Entity({ name: 'federation_inbox' })
export class InboxMessageEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('ix_federation_inbox_from')
  @Column({ name: 'from_region', type: 'varchar', length: 6 })
  fromRegion!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 43 })
  digest!: string;

  @Column({ type: 'text' })
  envelope!: string;

  @Column({ type: 'text' })
  receipt!: string;

  /** The signed response, for a query. */
  @Column({ type: 'text', nullable: true })
  response!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
