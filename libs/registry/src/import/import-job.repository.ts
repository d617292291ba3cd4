import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { sha256Base64Url, storableText } from '@regulink/protocol';
import type { DataSource, EntityManager } from 'typeorm';
import { ImportJobEntity, type ImportState } from './import-job.entity';
import { ImportRejectionEntity } from './import-rejection.entity';

export interface BatchOutcome {
  readonly lastLine: number;
  readonly accepted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejections: readonly { line: number; field: string | null; reason: string }[];
}

/** Import jobs, their rejected lines, and the keys each has met. */
@Injectable()
export class ImportJobRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async create(job: ImportJobEntity): Promise<void> {
    await this.dataSource.getRepository(ImportJobEntity).insert(job);
  }

  find(id: string): Promise<ImportJobEntity | null> {
    return this.dataSource.getRepository(ImportJobEntity).findOneBy({ id });
  }

  /** Claims an interrupted or failed job to go on with it; null when it is not in such a state. */
  async resume(id: string, kind: string, format: string): Promise<ImportJobEntity | null> {
    // An UPDATE … RETURNING answers [rows, affected count].
    const [rows] = (await this.dataSource.query(
      `UPDATE registry_import SET state = 'running', finished_at = NULL, error = NULL
        WHERE id = $1 AND kind = $2 AND format = $3 AND state IN ('interrupted', 'failed')
        RETURNING id`,
      [id, kind, format],
    )) as [{ id: string }[], number];
    return rows.length === 1 ? this.find(id) : null;
  }

  /**
   * Records the keys of a batch as met by the import; returns, for each key met before (in an
   * earlier batch), the line where it was first met. A key is stored as its SHA-256, so that a key
   * of any length and any characters (a shop's is a platform, a NUL and a URL) fits the table.
   */
  async markSeen(
    manager: EntityManager,
    importId: string,
    keys: readonly { key: string; line: number }[],
  ): Promise<Map<string, number>> {
    const byDigest = new Map(keys.map((k) => [sha256Base64Url(k.key), k.key]));
    const fresh: { key: string }[] = await manager.query(
      `INSERT INTO registry_import_seen (import_id, key, line)
       SELECT $1, k, l FROM unnest($2::varchar[], $3::integer[]) AS t(k, l)
       ON CONFLICT (import_id, key) DO NOTHING RETURNING key`,
      [importId, [...byDigest.keys()], keys.map((k) => k.line)],
    );
    const added = new Set(fresh.map((r) => r.key));
    const repeated = [...byDigest.keys()].filter((digest) => !added.has(digest));
    if (repeated.length === 0) return new Map();
    const first: { key: string; line: number }[] = await manager.query(
      'SELECT key, line FROM registry_import_seen WHERE import_id = $1 AND key = ANY($2::varchar[])',
      [importId, repeated],
    );
    return new Map(first.map((r) => [byDigest.get(r.key)!, r.line]));
  }

  /** Adds a batch's outcome to the job, with its rejected lines, in the batch's transaction. */
  async recordBatch(manager: EntityManager, importId: string, outcome: BatchOutcome): Promise<void> {
    if (outcome.rejections.length > 0) {
      await manager.getRepository(ImportRejectionEntity).insert(
        outcome.rejections.map((r) => ({
          importId,
          line: r.line,
          field: r.field === null ? null : storableText(r.field, FIELD_CHARS),
          reason: storableText(r.reason),
        })),
      );
    }
    await manager.query(
      `UPDATE registry_import
          SET last_line = greatest(last_line, $2), accepted = accepted + $3, updated = updated + $4,
              unchanged = unchanged + $5, rejected = rejected + $6
        WHERE id = $1`,
      [
        importId,
        outcome.lastLine,
        outcome.accepted,
        outcome.updated,
        outcome.unchanged,
        new Set(outcome.rejections.map((r) => r.line)).size,
      ],
    );
  }

  /** Ends a job; the keys it met are no longer needed. */
  async finish(id: string, state: ImportState, error: string | null): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        'UPDATE registry_import SET state = $2, error = $3, finished_at = now() WHERE id = $1',
        [id, state, error === null ? null : storableText(error)],
      );
      if (state === 'completed')
        await manager.query('DELETE FROM registry_import_seen WHERE import_id = $1', [id]);
    });
  }

  /** Jobs left running by a node that stopped: they can be resumed. */
  async interruptRunning(): Promise<number> {
    const [, count] = (await this.dataSource.query(
      `UPDATE registry_import SET state = 'interrupted', finished_at = now() WHERE state = 'running'`,
    )) as [unknown[], number];
    return count;
  }

  /** The rejections of up to `lines` rejected lines after `afterLine`, in line order. */
  rejections(importId: string, afterLine: number, lines: number): Promise<ImportRejectionEntity[]> {
    return this.dataSource.getRepository(ImportRejectionEntity).query(
      `SELECT id, import_id AS "importId", line, field, reason FROM registry_import_rejection
        WHERE import_id = $1 AND line IN (
          SELECT DISTINCT line FROM registry_import_rejection
           WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3)
        ORDER BY line, id`,
      [importId, afterLine, lines],
    );
  }
}

/** The most characters of a rejection's field name (its column). */
const FIELD_CHARS = 64;
