import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An evidence file an officer uploaded, waiting to be attached to a case or a step by its
 * SHA-256: files too large for a JSON request come this way.
 */
@Entity({ name: 'case_upload' })
export class CaseUploadEntity {
  @PrimaryColumn('varchar', { name: 'uploaded_by', length: 64 })
  uploadedBy!: string;

  @PrimaryColumn('varchar', { length: 64 })
  sha256!: string;

  @Column('varchar', { length: 200 })
  name!: string;

  @Column('varchar', { name: 'media_type', length: 100 })
  mediaType!: string;

  @Column('integer')
  size!: number;

  @Column('bytea')
  content!: Buffer;

  @Column('timestamptz', { name: 'uploaded_at' })
  uploadedAt!: Date;
}
