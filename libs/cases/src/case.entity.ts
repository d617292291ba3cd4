import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A case handed on to a third region, as relayed to the region that first sent it. */
export interface OnwardCase {
  readonly caseId: string;
  readonly region: string;
  readonly state: string;
  /** The competent region's steps, each the envelope it signed. */
  readonly steps: readonly { seq: number; action: string; on: string; envelope: string }[];
}

/**
 * A case exchanged between two regions: a clue (线索) handed to the region with jurisdiction, or
 * an assistance request (协查). Both nodes hold a row under the same id, each from its own side.
 */
@Entity({ name: 'case_item' })
@Index('ix_case_item_box', ['role', 'kind', 'state'])
@Index('ux_case_item_request', ['createdBy', 'requestId'], { unique: true, where: 'request_id IS NOT NULL' })
export class CaseEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** `clue` or `assist`. */
  @Column('varchar', { length: 8 })
  kind!: string;

  /** This node's side: `sender` (it sent the case) or `receiver`. */
  @Column('varchar', { length: 8 })
  role!: string;

  /** The other side's region. */
  @Column('varchar', { name: 'peer_region', length: 6 })
  peerRegion!: string;

  /** The agreement the case travels under. */
  @Column('uuid', { name: 'agreement_id' })
  agreementId!: string;

  @Column('varchar', { length: 32 })
  state!: string;

  /** How many steps are applied (the send is step 1). */
  @Column('integer')
  seq!: number;

  /** What the shared rules need: state, receipt date, extension, pauses, restrictions. */
  @Column('jsonb')
  facts!: Record<string, unknown>;

  /** The case as sent: source, suspects, category, description, amounts, restrictions. */
  @Column('jsonb')
  content!: Record<string, unknown>;

  /** Why the case went to the receiver's region (the sender's reasoning), as sent. */
  @Column('jsonb')
  jurisdiction!: Record<string, unknown>;

  /** For a case handed on by the region it was first sent to: that region and its case id. */
  @Column('jsonb', { name: 'transferred_from', nullable: true })
  transferredFrom!: { region: string; caseId: string } | null;

  /**
   * For a case this node sent that the receiver transferred on: the case at the competent region,
   * as the transferring region relays it (that region's signed steps).
   */
  @Column('jsonb', { nullable: true })
  onward!: OnwardCase | null;

  /** The infringed brand or right holder, for the lists' filter. */
  @Column('varchar', { length: 200, nullable: true })
  brand!: string | null;

  /** The day the receiver received it, in China. */
  @Column('date', { name: 'received_on', nullable: true })
  receivedOn!: string | null;

  /** The due date of the step the receiver owes next (filing decision, or answer), null when none is due. */
  @Index('ix_case_item_due_on')
  @Column('date', { name: 'due_on', nullable: true })
  dueOn!: string | null;

  /** Who created it (the sending officer), at the sender only. */
  @Column('varchar', { name: 'created_by', length: 64, nullable: true })
  createdBy!: string | null;

  /** The creating request's id as its caller named it (`requestId`), at the sender only. */
  @Column('varchar', { name: 'request_id', length: 64, nullable: true })
  requestId!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
