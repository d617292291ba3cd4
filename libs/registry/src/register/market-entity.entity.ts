import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ImportedRow } from '../import/imported-row';

/**
 * A market entity (市场主体) of this node's own register: an enterprise or an individual business,
 * as the provincial registration system last reported it. Authoritative here, at its home node.
 */
@Entity('registry_entity')
// Name search: a GIN index over name_grams (declared in the migration).
@Index('ix_registry_entity_name_grams', { synchronize: false })
export class MarketEntity extends ImportedRow {
  /** Unified social credit code, 18 characters, upper case. */
  @PrimaryColumn('varchar', { name: 'credit_code', length: 18 })
  creditCode!: string;

  /** The code's check characters fail, yet it is accepted (some early pilot codes are legal so). */
  @Column('boolean', { name: 'credit_code_check_failed' })
  creditCodeCheckFailed!: boolean;

  @Column('varchar', { length: 200 })
  name!: string;

  /** The name reduced for matching (normalizeEntityText): how landing finds an operator without a code. */
  @Index('ix_registry_entity_name_key')
  @Column('varchar', { name: 'name_key', length: 200 })
  nameKey!: string;

  /** The name's search terms (nameGrams of nameKey), written with it: name search runs on them. */
  @Column({ type: 'text', name: 'name_grams', array: true, collation: 'C' })
  nameGrams!: string[];

  /** The registration type as the register words it (e.g. 有限责任公司, 个体工商户). */
  @Column('varchar', { name: 'entity_type', length: 64 })
  entityType!: string;

  /** Legal representative, or the operator of an individual business. */
  @Column('varchar', { name: 'legal_representative', length: 100 })
  legalRepresentative!: string;

  @Column('varchar', { name: 'registered_address', length: 300 })
  registeredAddress!: string;

  /** GB/T 2260 division code of the registered address. */
  @Column('varchar', { name: 'division_code', length: 6 })
  divisionCode!: string;

  /** active, deregistered, revoked, or abnormal (on the list of abnormal operations). */
  @Column('varchar', { length: 16 })
  status!: string;

  @Column('date', { name: 'established_on' })
  establishedOn!: string;

  /** The day the status last changed, for an entity that is not plainly active. */
  @Column('date', { name: 'status_changed_on', nullable: true })
  statusChangedOn!: string | null;

  @Column('text', { name: 'business_scope', nullable: true })
  businessScope!: string | null;

  /** When the registration system last changed this record: a newer version replaces an older one. */
  @Column('timestamptz', { name: 'source_updated_at' })
  sourceUpdatedAt!: Date;

  /** Position in the register's change feed: taken anew each time the entry changes (landing follows it). */
  @Index('ix_registry_entity_change_seq')
  @Column('bigint', { name: 'change_seq', default: () => "nextval('registry_entity_change_seq')" })
  changeSeq!: string;
}
