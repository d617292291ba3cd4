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

  /** The envelope that carried the step, sent or received. */
  @Column('uuid', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('timestamptz')
  at!: Date;
}
