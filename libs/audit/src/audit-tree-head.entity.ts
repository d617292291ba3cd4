import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tree head this node signed over its own audit log. */
@Entity({ name: 'audit_tree_head' })
export class AuditTreeHeadEntity {
  @PrimaryColumn({ type: 'bigint' })
  size!: string;

  @Column({ type: 'varchar', length: 43 })
  root!: string;

  @Column({ type: 'text' })
  jws!: string;

  @Column({ name: 'signed_at', type: 'timestamptz' })
  signedAt!: Date;
}
