import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { SyncBatchEntity } from './sync-batch.entity';
import { SyncCursorEntity } from './sync-cursor.entity';

/** Where each peer's feed has been pulled to, and the signed batches sent and received. */
@Injectable()
export class SyncRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The feed position up to which `peer` has been sent records of `kind` (0 before the first). */
  async sentTo(peer: string, kind: string): Promise<string> {
    const rows: { position: string | null }[] = await this.dataSource.query(
      `SELECT max(position)::text AS position FROM registry_sync_batch
        WHERE peer = $1 AND kind = $2 AND direction = 'out'`,
      [peer, kind],
    );
    return rows[0]?.position ?? '0';
  }

  /** The position pulled to so far (0 before the first pull). */
  async position(peer: string, kind: string): Promise<string> {
    const cursor = await this.dataSource.getRepository(SyncCursorEntity).findOneBy({ peer, kind });
    return cursor?.position ?? '0';
  }

  /**
   * Moves the cursor from `from` to `to` in the caller's transaction; false when another pull
   * (another replica) moved it first, and then the caller must undo its transaction.
   */
  async advance(
    manager: EntityManager,
    peer: string,
    kind: string,
    from: string,
    to: string,
  ): Promise<boolean> {
    const moved: unknown[] = await manager.query(
      `INSERT INTO registry_sync_cursor AS c (peer, kind, position, failures, last_error, pulled_at)
       VALUES ($1, $2, $4, 0, NULL, now())
       ON CONFLICT (peer, kind) DO UPDATE SET position = excluded.position, failures = 0, last_error = NULL,
         pulled_at = excluded.pulled_at
       WHERE c.position = $3
       RETURNING 1`,
      [peer, kind, from, to],
    );
    return moved.length === 1;
  }

  /**
   * Takes the pull of `peer`'s feed of `kind` for `holder` (a process of this node) for `leaseMs`.
   * `ask`: when the feed is free (or its hold ran out), takes it; when another replica holds it,
   * asks that one to go round once more (it pulls what this one would have). `stale`: takes it only
   * from a holder whose hold ran out (a process that stopped without letting go); a feed let go of
   * meanwhile is left alone (its holder did the round asked for). Not taken, answers until when the
   * feed is held (null: it is free).
   */
  async claimPull(
    peer: string,
    kind: string,
    holder: string,
    leaseMs: number,
    mode: 'ask' | 'stale',
  ): Promise<{ claimed: true } | { claimed: false; heldUntil: Date | null }> {
    for (;;) {
      const claimed: unknown[] = await this.dataSource.query(
        `INSERT INTO registry_sync_cursor AS c (peer, kind, pulling_by, pulling_until, pull_again)
         SELECT $1, $2, $3, now() + make_interval(secs => $4::double precision / 1000), false WHERE $5 = 'ask'
         ON CONFLICT (peer, kind) DO UPDATE
           SET pulling_by = excluded.pulling_by, pulling_until = excluded.pulling_until, pull_again = false
           WHERE c.pulling_by = excluded.pulling_by OR c.pulling_until < now() OR ($5 = 'ask' AND c.pulling_by IS NULL)
         RETURNING 1`,
        [peer, kind, holder, leaseMs, mode],
      );
      if (claimed.length > 0) return { claimed: true };
      if (mode === 'stale') {
        const taken: unknown[] = await this.dataSource.query(
          `UPDATE registry_sync_cursor
              SET pulling_by = $3, pulling_until = now() + make_interval(secs => $4::double precision / 1000),
                  pull_again = false
            WHERE peer = $1 AND kind = $2 AND pulling_by IS NOT NULL AND pulling_until < now()
           RETURNING 1`,
          [peer, kind, holder, leaseMs],
        );
        if (taken.length > 0) return { claimed: true };
      }
      const held: { until: Date }[] = await this.dataSource.query(
        `UPDATE registry_sync_cursor SET pull_again = pull_again OR $4 = 'ask'
          WHERE peer = $1 AND kind = $2 AND pulling_by <> $3 AND pulling_until >= now()
         RETURNING pulling_until AS until`,
        [peer, kind, holder, mode],
      );
      if (held.length > 0) return { claimed: false, heldUntil: held[0]!.until };
      // Let go in between: taken after all when asking; left alone otherwise.
      if (mode === 'stale') return { claimed: false, heldUntil: null };
    }
  }

  /** Keeps holding the pull `holder` claimed for `leaseMs` more. */
  async renewPull(peer: string, kind: string, holder: string, leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE registry_sync_cursor SET pulling_until = now() + make_interval(secs => $4::double precision / 1000)
        WHERE peer = $1 AND kind = $2 AND pulling_by = $3`,
      [peer, kind, holder, leaseMs],
    );
  }

  /**
   * Lets go of the pull `holder` claimed, unless another replica asked for one more round
   * meanwhile: then answers false, the request taken (the holder goes round again). With
   * `whatever`, lets go in any case (stopping).
   */
  async releasePull(peer: string, kind: string, holder: string, whatever = false): Promise<boolean> {
    const released: unknown[] = await this.dataSource.query(
      `UPDATE registry_sync_cursor SET pulling_by = NULL, pulling_until = NULL, pull_again = false
        WHERE peer = $1 AND kind = $2 AND pulling_by = $3 AND (NOT pull_again OR $4)
       RETURNING 1`,
      [peer, kind, holder, whatever],
    );
    if (released.length > 0) return true;
    const again: unknown[] = await this.dataSource.query(
      `UPDATE registry_sync_cursor SET pull_again = false
        WHERE peer = $1 AND kind = $2 AND pulling_by = $3 AND pull_again
       RETURNING 1`,
      [peer, kind, holder],
    );
    // No longer held by this process (its lease ran out and another took it): nothing to do.
    return again.length === 0;
  }

  /** Records a pull that found nothing new: the peer is reachable and this node is up to date. */
  async upToDate(peer: string, kind: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE registry_sync_cursor SET failures = 0, last_error = NULL, pulled_at = now() WHERE peer = $1 AND kind = $2`,
      [peer, kind],
    );
  }

  /** Records a failed pull; returns how many have failed in a row. */
  async failed(peer: string, kind: string, error: string): Promise<number> {
    const rows: { failures: number }[] = await this.dataSource.query(
      `INSERT INTO registry_sync_cursor AS c (peer, kind, position, failures, last_error, pulled_at)
       VALUES ($1, $2, 0, 1, $3, now())
       ON CONFLICT (peer, kind) DO UPDATE SET failures = c.failures + 1, last_error = $3, pulled_at = now()
       RETURNING failures`,
      [peer, kind, error.slice(0, 2000)],
    );
    return rows[0]!.failures;
  }

  async addBatch(batch: SyncBatchEntity, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.insert(SyncBatchEntity, batch);
  }

  findBatch(id: string): Promise<SyncBatchEntity | null> {
    return this.dataSource.getRepository(SyncBatchEntity).findOneBy({ id });
  }

  /** Each peer's cursor, with the batches and records received from it, per kind. */
  status(): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT c.peer, c.kind, c.position, c.failures, c.last_error AS "lastError", c.pulled_at AS "pulledAt",
              count(b.id)::int AS batches, coalesce(sum(b.size), 0)::int AS records,
              coalesce(sum(jsonb_array_length(b.rejected)), 0)::int AS rejected
         FROM registry_sync_cursor c
         LEFT JOIN registry_sync_batch b ON b.peer = c.peer AND b.kind = c.kind AND b.direction = 'in'
        GROUP BY c.peer, c.kind ORDER BY c.peer, c.kind`,
    );
  }
}
