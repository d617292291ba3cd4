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
  readonly older: number;
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

  /** The most recent imports first, of `kind` and in `state` when given. */
  recent(kind: string | undefined, state: string | undefined, limit: number): Promise<ImportJobEntity[]> {
    return this.dataSource.getRepository(ImportJobEntity).find({
      where: { ...(kind ? { kind } : {}), ...(state ? { state: state as ImportJobEntity['state'] } : {}) },
      order: { startedAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  find(id: string): Promise<ImportJobEntity | null> {
    return this.dataSource.getRepository(ImportJobEntity).findOneBy({ id });
  }

  /**
   * Takes a job over for the upload `writer` to go on with it: a job interrupted or failed, or
   * running with a heartbeat older than `staleSeconds` (its writer is gone). One conditional
   * UPDATE, so of two uploads taking the same job over at once only one gets it; null when the job
   * is not (or no longer) in such a state. It waits for a batch of the old writer in flight (which
   * holds the row), and is seen by that writer's next batch and heartbeat, which then write nothing.
   */
  async takeOver(
    id: string,
    kind: string,
    format: string,
    writer: string,
    staleSeconds: number,
  ): Promise<ImportJobEntity | null> {
    // An UPDATE … RETURNING answers [rows, affected count].
    const [rows] = (await this.dataSource.query(
      `UPDATE registry_import
          SET state = 'running', writer = $4, heartbeat_at = now(), finished_at = NULL, error = NULL
        WHERE id = $1 AND kind = $2 AND format = $3
          AND (state IN ('interrupted', 'failed')
               OR (state = 'running' AND heartbeat_at < now() - make_interval(secs => $5)))
        RETURNING id`,
      [id, kind, format, writer, staleSeconds],
    )) as [{ id: string }[], number];
    return rows.length === 1 ? this.find(id) : null;
  }

  /** Renews the heartbeat of a job its writer still holds; false when the job is no longer its own. */
  async beat(id: string, writer: string): Promise<boolean> {
    const [, count] = (await this.dataSource.query(
      `UPDATE registry_import SET heartbeat_at = now() WHERE id = $1 AND writer = $2 AND state = 'running'`,
      [id, writer],
    )) as [unknown[], number];
    return count === 1;
  }

  /**
   * Opens a batch of `writer` in the batch's transaction: renews the heartbeat and holds the job's
   * row until the batch commits, so that no one takes the job over in the middle of it. False when
   * the job is no longer the writer's: the batch must then write nothing.
   */
  async holdForBatch(manager: EntityManager, id: string, writer: string): Promise<boolean> {
    const [, count] = (await manager.query(
      `UPDATE registry_import SET heartbeat_at = now() WHERE id = $1 AND writer = $2 AND state = 'running'`,
      [id, writer],
    )) as [unknown[], number];
    return count === 1;
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
              unchanged = unchanged + $5, rejected = rejected + $6, older = older + $7
        WHERE id = $1`,
      [
        importId,
        outcome.lastLine,
        outcome.accepted,
        outcome.updated,
        outcome.unchanged,
        new Set(outcome.rejections.map((r) => r.line)).size,
        outcome.older,
      ],
    );
  }

  /**
   * Ends a job its writer still holds; the keys it met are no longer needed once it completed.
   * False (and nothing changed) when the job is no longer the writer's.
   */
  async finish(id: string, writer: string, state: ImportState, error: string | null): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, count] = (await manager.query(
        `UPDATE registry_import SET state = $3, error = $4, finished_at = now()
          WHERE id = $1 AND writer = $2 AND state = 'running'`,
        [id, writer, state, error === null ? null : storableText(error)],
      )) as [unknown[], number];
      if (count === 1 && state === 'completed')
        await manager.query('DELETE FROM registry_import_seen WHERE import_id = $1', [id]);
      return count === 1;
    });
  }

  /**
   * Marks as interrupted the running jobs (all, or the one given) whose heartbeat is older than
   * `staleSeconds`: their writer is gone, and they can be resumed. A running job with a fresh
   * heartbeat is left alone, whichever replica writes it. Returns how many were marked.
   */
  async interruptStale(staleSeconds: number, id?: string): Promise<number> {
    const [, count] = (await this.dataSource.query(
      `UPDATE registry_import SET state = 'interrupted', finished_at = heartbeat_at
        WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => $1)
          AND ($2::uuid IS NULL OR id = $2)`,
      [staleSeconds, id ?? null],
    )) as [unknown[], number];
    return count;
  }

  /** The rejections of up to `lines` rejected lines after `afterLine`, in line order. */
  /**
   * The rejections grouped by field and reason, the most frequent first (at most `groups`): a
   * problem of the whole file (a column in another format) read at a glance.
   */
  rejectionGroups(
    importId: string,
    groups: number,
  ): Promise<{ field: string | null; reason: string; lines: number; firstLine: number }[]> {
    return this.dataSource.query(
      `SELECT field, reason, count(DISTINCT line)::int AS lines, min(line) AS "firstLine"
         FROM registry_import_rejection WHERE import_id = $1
        GROUP BY field, reason ORDER BY count(DISTINCT line) DESC, min(line) LIMIT $2`,
      [importId, groups],
    );
  }

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
