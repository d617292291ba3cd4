import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Messages counted against a scope's daily quota, per agreement, direction and day (China time). */
@Entity('agreement_usage')
export class AgreementUsageEntity {
  @PrimaryColumn('uuid', { name: 'agreement_id' })
  agreementId!: string;

  @PrimaryColumn('varchar', { length: 32 })
  scope!: string;

  @PrimaryColumn('varchar', { name: 'from_region', length: 6 })
  fromRegion!: string;

  @PrimaryColumn('varchar', { name: 'to_region', length: 6 })
  toRegion!: string;

  @PrimaryColumn('date')
  day!: string;

  @Column('integer')
  count!: number;
}
