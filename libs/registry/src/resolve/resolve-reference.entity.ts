import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A hit given to another region's officer under two-step disclosure: the reference by which the
 * record may be asked for, by that region only, until it expires.
 */
@Entity('registry_resolve_reference')
export class ResolveReferenceEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** The region whose officer was given the hit. */
  @Column('varchar', { length: 6 })
  peer!: string;

  @Column('varchar', { length: 64 })
  officer!: string;

  @Column('jsonb')
  query!: Record<string, string>;

  @Column('integer')
  hits!: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  /** When the record was disclosed by this reference (it may be asked for again until it expires). */
  @Column('timestamptz', { name: 'disclosed_at', nullable: true })
  disclosedAt!: Date | null;
}
