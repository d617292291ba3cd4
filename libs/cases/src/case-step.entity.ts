import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One step of a case, as the signed envelope that carried it: both nodes keep every step, the
 * ones they signed and the ones they received, so either can show the whole history with proof.
 */
@Entity({ name: 'case_step' })
export class CaseStepEntity {
  @PrimaryColumn('uuid', { name: 'case_id' })
  caseId!: string;

  /** 1 for the send, then one more for each step. */
  @PrimaryColumn('integer')
  seq!: number;

  /** The action (`send`, `receive`, `accept`, `transfer`, …). */
  @Column('varchar', { length: 32 })
  action!: string;

  /** The region that signed it. */
  @Column('varchar', { name: 'by_region', length: 6 })
  byRegion!: string;

  /**
   * The account of this node that took it (the officer who accepted, filed, …; the one who sent
   * the case); null for a step received from the other region or taken by the node itself (a
   * receipt). Kept here only: the signed step names the region.
   */
  @Column('varchar', { name: 'taken_by', length: 64, nullable: true })
  takenBy!: string | null;

  /** The action's fields (reason, outcome, amounts, …). */
  @Column('jsonb')
  payload!: Record<string, unknown>;

  /** The day it was taken, in China. */
  @Column('date')
  on!: string;

  @Column('uuid', { name: 'envelope_id' })
  envelopeId!: string;

  @Column('varchar', { length: 43 })
  digest!: string;

  /** The compact JWS as signed. */
  @Column('text')
  envelope!: string;

  /** `applied`, or `pending` for a step that arrived before the one it follows. */
  @Column('varchar', { length: 8 })
  status!: string;

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;
}
