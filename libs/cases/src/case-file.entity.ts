import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An evidence file of a case, held by both nodes once its SHA-256 has been checked on arrival. */
@Entity({ name: 'case_file' })
export class CaseFileEntity {
  @PrimaryColumn('uuid', { name: 'case_id' })
  caseId!: string;

  /** Hex SHA-256 of the content, as the signed step that announced it names it. */
  @PrimaryColumn('varchar', { length: 64 })
  sha256!: string;

  @Column('varchar', { length: 200 })
  name!: string;

  @Column('varchar', { name: 'media_type', length: 100 })
  mediaType!: string;

  @Column('integer')
  size!: number;

  /** The step that announced it. */
  @Column('integer')
  seq!: number;

  @Column('bytea')
  content!: Buffer;
}
