import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many lookups an officer of this node has made on one day (China time): the count the
 * per-officer daily quota is checked and taken against, one row per officer and day.
 */
@Entity('registry_resolve_officer_day')
export class ResolveOfficerDayEntity {
  @PrimaryColumn('varchar', { length: 64 })
  officer!: string;

  @PrimaryColumn('date')
  day!: string;

  @Column('integer')
  lookups!: number;

  /** How many the last statement that changed the row granted (lookups before it = lookups - taken). */
  @Column('integer', { default: 0 })
  taken!: number;
}
