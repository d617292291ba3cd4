import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A shop at home here that could not be landed: the error stopped its batch and, tried alone, it
 * still failed. The shops landed beside it were not held up; it is tried again, less often each
 * time, until it lands (then the row goes), and listed for the node's operators meanwhile.
 */
@Entity('registry_landing_failure')
export class LandingFailureEntity {
  @PrimaryColumn('varchar', { length: 64, primaryKeyConstraintName: 'PK_registry_landing_failure' })
  platform!: string;

  @PrimaryColumn('varchar', { length: 2000, primaryKeyConstraintName: 'PK_registry_landing_failure' })
  url!: string;

  /** What the last try failed on (the error's message). */
  @Column('text')
  reason!: string;

  @Column('integer')
  attempts!: number;

  @Column('timestamptz', { name: 'first_failed_at' })
  firstFailedAt!: Date;

  @Column('timestamptz', { name: 'last_failed_at' })
  lastFailedAt!: Date;
}
