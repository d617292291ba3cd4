import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { OutboxMessageEntity, type OutboxStatus } from './outbox-message.entity';

@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Queues a message with the caller's transaction, so it exists exactly when the change that caused it does. */
  async insert(manager: EntityManager, message: OutboxMessageEntity): Promise<void> {
    await manager.insert(OutboxMessageEntity, message);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  findById(id: string): Promise<OutboxMessageEntity | null> {
    return this.dataSource.getRepository(OutboxMessageEntity).findOneBy({ id });
  }

  /**
   * Takes up to `limit` due messages for this worker, skipping those another worker (or replica)
   * holds, and leases them for `leaseMs`.
   */
  async claimDue(limit: number, leaseMs: number): Promise<OutboxMessageEntity[]> {
    // An UPDATE … RETURNING answers [rows, affected count].
    const [rows]: [Record<string, unknown>[], number] = await this.dataSource.query(
      `UPDATE federation_outbox o
          SET lease_until = now() + make_interval(secs => $2::double precision / 1000), attempts = o.attempts + 1
        WHERE o.id IN (
              SELECT id FROM federation_outbox
               WHERE status = 'pending' AND next_attempt_at <= now()
                 AND (lease_until IS NULL OR lease_until < now())
               ORDER BY next_attempt_at, id
               LIMIT $1
               FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.to_region, o.type, o.digest, o.envelope, o.attempts, o.expires_at`,
      [limit, leaseMs],
    );
    return rows.map((r) =>
      Object.assign(new OutboxMessageEntity(), {
        id: r.id,
        toRegion: r.to_region,
        type: r.type,
        digest: r.digest,
        envelope: r.envelope,
        attempts: r.attempts,
        expiresAt: r.expires_at,
      }),
    );
  }

  async settle(
    id: string,
    status: Exclude<OutboxStatus, 'pending'>,
    receipt: string | null,
    code: string | null,
    error: string | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE federation_outbox
          SET status = $2, receipt = $3, receipt_code = $4, last_error = $5, settled_at = now(), lease_until = NULL
        WHERE id = $1`,
      [id, status, receipt, code, error],
    );
  }

  async retryLater(id: string, delayMs: number, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE federation_outbox
          SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), last_error = $3, lease_until = NULL
        WHERE id = $1`,
      [id, delayMs, error],
    );
  }
}
