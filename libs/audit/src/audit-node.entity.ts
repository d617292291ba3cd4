import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A stored interior hash of the audit tree: complete subtrees at level 4 and up (levels 1–3 are recomputed). */
@Entity({ name: 'audit_node' })
export class AuditNodeEntity {
  @PrimaryColumn({ type: 'smallint' })
  level!: number;

  @PrimaryColumn({ type: 'bigint' })
  idx!: string;

  @Column({ type: 'bytea' })
  hash!: Buffer;
}
