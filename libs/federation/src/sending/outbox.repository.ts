import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { OutboxMessageEntity, type OutboxStatus } from './outbox-message.entity';

/**
 * How a message sent from here fared: `pending` (with the attempts so far and why the last one
 * failed), `delivered`, `rejected` (the receiver's receipt code), `cancelled` (no longer allowed:
 * the code says why), or `expired` (not delivered in its envelope's life).
 */
export interface Delivery {
  readonly status: string;
  readonly code: string | null;
  readonly lastError: string | null;
  readonly attempts: number;
}

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

  /** How the messages with these ids fared (those this node sent), by id. */
  async deliveries(ids: readonly string[]): Promise<Map<string, Delivery>> {
    if (ids.length === 0) return new Map();
    const rows: (Delivery & { id: string })[] = await this.dataSource.query(
      `SELECT id, status, receipt_code AS code, last_error AS "lastError", attempts
         FROM federation_outbox WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map(({ id, ...delivery }) => [id, delivery]));
  }

  findById(id: string): Promise<OutboxMessageEntity | null> {
    return this.dataSource.getRepository(OutboxMessageEntity).findOneBy({ id });
  }

  /**
   * Takes up to `limit` messages due at `now` for this worker, skipping those another worker (or
   * replica) holds, and leases them for `leaseMs` under `token`, which names this claim: only it
   * settles or reschedules them (see `settle`), and `renew` keeps them held while they wait.
   *
   * Two clocks, each compared only with itself: `next_attempt_at` is written from the node's
   * `Clock` (when queued, when rescheduled), so it is compared with the node's `now`, not with the
   * database server's; a lease coordinates workers of possibly several replicas, each with its own
   * clock, so it is written and checked with the database's `now()` alone, in this one statement.
   */
  async claimDue(limit: number, leaseMs: number, now: Date, token: string): Promise<OutboxMessageEntity[]> {
    // An UPDATE … RETURNING answers [rows, affected count].
    const [rows]: [Record<string, unknown>[], number] = await this.dataSource.query(
      `UPDATE federation_outbox o
          SET lease_until = now() + make_interval(secs => $2::double precision / 1000), attempts = o.attempts + 1,
              lease_token = $4
        WHERE o.id IN (
              SELECT id FROM federation_outbox
               WHERE status = 'pending' AND next_attempt_at <= $3::timestamptz
                 AND (lease_until IS NULL OR lease_until < now())
               ORDER BY next_attempt_at, id
               LIMIT $1
               FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.to_region, o.type, o.digest, o.envelope, o.attempts, o.expires_at`,
      [limit, leaseMs, now, token],
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

  /**
   * Holds the messages of claim `token` not settled yet for `leaseMs` more: a round's later sends
   * wait behind its earlier ones, longer than one lease.
   */
  async renew(token: string, leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE federation_outbox SET lease_until = now() + make_interval(secs => $2::double precision / 1000)
        WHERE lease_token = $1 AND status = 'pending' AND lease_until IS NOT NULL`,
      [token, leaseMs],
    );
  }

  /**
   * Settles a message at `settledAt` (the node's clock, as its `created_at`), if claim `token`
   * still holds it: a worker whose lease ran out (stalled, or cut off from the database) while
   * another took the message over leaves the other's outcome, and its receipt, as they are.
   * Returns whether it did.
   */
  async settle(
    token: string,
    id: string,
    status: Exclude<OutboxStatus, 'pending'>,
    receipt: string | null,
    code: string | null,
    error: string | null,
    settledAt: Date,
  ): Promise<boolean> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `UPDATE federation_outbox
          SET status = $2, receipt = $3, receipt_code = $4, last_error = $5, settled_at = $6, lease_until = NULL
        WHERE id = $1 AND lease_token = $7 AND status = 'pending'`,
      [id, status, receipt, code, error, settledAt, token],
    );
    return count > 0;
  }

  /**
   * Reschedules a message for `nextAttemptAt`, on the node's clock (see `claimDue`). A message
   * only held (its agreement suspended: no delivery was tried) gets back the attempt its claim
   * counted, so that its backoff starts afresh once it goes. Only by claim `token`, as `settle`.
   */
  async retryLater(
    token: string,
    id: string,
    nextAttemptAt: Date,
    error: string,
    held = false,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE federation_outbox
          SET next_attempt_at = $2, last_error = $3, lease_until = NULL,
              attempts = CASE WHEN $4 THEN greatest(attempts - 1, 0) ELSE attempts END
        WHERE id = $1 AND lease_token = $5 AND status = 'pending'`,
      [id, nextAttemptAt, error, held, token],
    );
  }
}
