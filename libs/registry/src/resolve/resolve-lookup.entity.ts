import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One lookup of the registry, kept for access transparency: an officer's query here (`local`),
 * sent to a peer (`out`), or a peer's officer's query answered here (`in`). Who, why (purpose and
 * case reference), what was asked and which entities and shops were returned.
 */
@Entity('registry_resolve_lookup')
@Index('ix_registry_resolve_lookup_officer', ['officer', 'at'])
@Index('ix_registry_resolve_lookup_at', ['at', 'id'])
export class ResolveLookupEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('timestamptz')
  at!: Date;

  /** `local`, `out` or `in`. */
  @Column('varchar', { length: 5 })
  direction!: 'local' | 'out' | 'in';

  /** The officer who asked, as their node names them. */
  @Column('varchar', { length: 64 })
  officer!: string;

  /** The region of the officer's node. */
  @Column('varchar', { name: 'officer_region', length: 6 })
  officerRegion!: string;

  /** The other node (asked, or asking); null for a local lookup. */
  @Column('varchar', { length: 6, nullable: true })
  peer!: string | null;

  @Column('varchar', { length: 32 })
  purpose!: string;

  @Column('varchar', { name: 'case_reference', length: 64 })
  caseReference!: string;

  @Column('jsonb')
  query!: Record<string, string>;

  /** answered, refused, unreachable or timeout. */
  @Column('varchar', { length: 16 })
  outcome!: string;

  /** The credit codes of the entities returned (to list every lookup of an entity). */
  @Index('ix_registry_resolve_lookup_codes', { synchronize: false })
  @Column('varchar', { name: 'credit_codes', array: true })
  creditCodes!: string[];

  /** How many shops were returned. */
  @Column('integer')
  shops!: number;

  /** The officer's request this lookup belongs to (one request may ask several regions). */
  @Column('uuid', { name: 'request_id' })
  requestId!: string;

  /** The envelope that carried the query, for a lookup between nodes. */
  @Column('uuid', { name: 'message_id', nullable: true })
  messageId!: string | null;
}
