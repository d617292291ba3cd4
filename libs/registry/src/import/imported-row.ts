import { Column } from 'typeorm';
import { sha256Base64Url } from '@regulink/protocol';

/**
 * What every table fed by a bulk import keeps about each row: the hash of its content, so that
 * an import of the same content changes nothing, and the import and line that last wrote it.
 */
export abstract class ImportedRow {
  /** SHA-256 (base64url) of the row's fields: see {@link contentHash}. */
  @Column('varchar', { name: 'content_hash', length: 43 })
  contentHash!: string;

  /**
   * The import, and its line, that last wrote this row; for a row received from another node, the
   * signed batch it came in and its index there.
   */
  @Column('uuid', { name: 'import_id' })
  importId!: string;

  @Column('integer', { name: 'import_line' })
  importLine!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}

/**
 * The content hash of an imported row: SHA-256 over its field values in the order the checking
 * code lists them. It only has to tell this node's own versions of a row apart.
 */
export function contentHash(fields: Readonly<Record<string, unknown>>): string {
  return sha256Base64Url(JSON.stringify(Object.values(fields)));
}
