import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One entry of the append-only audit log; its position is its leaf index in the Merkle tree. */
@Entity({ name: 'audit_entry' })
export class AuditEntryEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  @Index('ix_audit_entry_message')
  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId!: string | null;

  /** The RFC 9162 leaf data: canonical JSON naming the envelope or receipt by its digest. */
  @Column({ type: 'text' })
  data!: string;

  @Column({ name: 'leaf_hash', type: 'bytea' })
  leafHash!: Buffer;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
