import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A stored interior hash of the audit tree (only levels 4, 8, 12…; the rest is recomputed). */
@Entity({ name: 'audit_node' })
export class AuditNodeEntity {
  @PrimaryColumn({ type: 'smallint' })
  level!: number;

  @PrimaryColumn({ type: 'bigint' })
  idx!: string;

  @Column({ type: 'bytea' })
  hash!: Buffer;
}
