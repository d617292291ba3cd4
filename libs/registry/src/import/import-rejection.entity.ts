import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A line of an import that was not taken, with the field at fault (when one is) and why. */
@Entity('registry_import_rejection')
@Index('ix_registry_import_rejection_line', ['importId', 'line'])
export class ImportRejectionEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'import_id' })
  importId!: string;

  @Column('integer')
  line!: number;

  @Column('varchar', { length: 64, nullable: true })
  field!: string | null;

  @Column('text')
  reason!: string;
}
