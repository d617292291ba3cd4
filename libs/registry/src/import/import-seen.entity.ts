import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The keys an import has met so far and where, to refuse a key repeated in the same file without
 * holding the file's keys in memory. Kept while an import can be resumed; emptied when it completes.
 */
@Entity('registry_import_seen')
export class ImportSeenEntity {
  @PrimaryColumn('uuid', { name: 'import_id' })
  importId!: string;

  /** SHA-256 (base64url) of the key, whatever its length. */
  @PrimaryColumn('varchar', { length: 64 })
  key!: string;

  @Column('integer')
  line!: number;
}
