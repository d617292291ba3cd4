import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The administrators' trail of an agreement: who did what, when, on which node. */
@Entity('agreement_event')
@Index('ix_agreement_event_agreement', ['agreementId', 'at'])
export class AgreementEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'agreement_id' })
  agreementId!: string;

  /** drafted, proposed, received, countersigned, activated, declined, suspended, resumed, revoked, expired, superseded, renewed. */
  @Column('varchar', { length: 24 })
  action!: string;

  /** The region whose side took the step. */
  @Column('varchar', { length: 6 })
  region!: string;

  /** The user on this node, or `node <region>` for a step another party took. */
  @Column('varchar', { length: 128 })
  actor!: string;

  @Column('text', { nullable: true })
  reason!: string | null;

  /**
   * Set when another party's step arrived too late to change anything here (the agreement had
   * meanwhile been declined, revoked...): why, e.g. `was declined`. Null for a step that took effect.
   */
  @Column('varchar', { name: 'no_effect', length: 64, nullable: true })
  noEffect!: string | null;

  /** The envelope that carried the step, sent or received. */
  @Column('uuid', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('timestamptz')
  at!: Date;
}
