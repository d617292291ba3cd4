import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AgreementDocument, AgreementTerms } from '@regulink/protocol';

/**
 * Where an agreement stands on this node.
 * - draft: being written here, not signed;
 * - proposed: signed here and sent, waiting for the other parties;
 * - pending: proposed by another party, waiting for this node's review;
 * - active: signed by every party (in force between its dates);
 * - suspended, revoked, expired, superseded (by a renewal), declined (by a party).
 */
export const AGREEMENT_STATES = [
  'draft',
  'proposed',
  'pending',
  'active',
  'suspended',
  'revoked',
  'expired',
  'superseded',
  'declined',
] as const;
export type AgreementState = (typeof AGREEMENT_STATES)[number];

@Entity('agreement')
export class AgreementEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('varchar', { length: 16 })
  state!: AgreementState;

  /** Sorted region codes of every party, this node included. */
  @Column('varchar', { length: 6, array: true })
  parties!: string[];

  /** The terms as signed (or, for a draft, as they will be signed). */
  @Column('jsonb')
  terms!: AgreementTerms;

  /** The document with the signatures gathered so far; null for a draft. */
  @Column('jsonb', { nullable: true })
  document!: AgreementDocument | null;

  /**
   * The parties that hold it suspended (two may suspend at once, or one join another's
   * suspension); each resumes only its own, and it is in force again once none is left.
   */
  @Column('varchar', { name: 'suspended_by', length: 6, array: true, default: () => "'{}'" })
  suspendedBy!: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
