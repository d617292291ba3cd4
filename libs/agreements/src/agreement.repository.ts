import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AgreementEventEntity } from './agreement-event.entity';
import { AgreementEntity } from './agreement.entity';

export type NewEvent = Omit<AgreementEventEntity, 'id' | 'at'>;

/** One counter of messages: an agreement's scope, in one direction, on one day (China time). */
export interface UsageKey {
  readonly agreementId: string;
  readonly scope: string;
  readonly from: string;
  readonly to: string;
  readonly day: string;
}

@Injectable()
export class AgreementRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  find(id: string, manager: EntityManager = this.dataSource.manager): Promise<AgreementEntity | null> {
    return manager.getRepository(AgreementEntity).findOneBy({ id });
  }

  /** Locks the row for the rest of the caller's transaction. */
  findForUpdate(id: string, manager: EntityManager): Promise<AgreementEntity | null> {
    return manager
      .getRepository(AgreementEntity)
      .createQueryBuilder('a')
      .setLock('pessimistic_write')
      .where('a.id = :id', { id })
      .getOne();
  }

  /** Every renewal of `id`, in whatever state (in `manager`'s transaction when given). */
  renewalsOf(id: string, manager: EntityManager = this.dataSource.manager): Promise<AgreementEntity[]> {
    return manager
      .getRepository(AgreementEntity)
      .createQueryBuilder('a')
      .where("a.terms->>'supersedes' = :id", { id })
      .getMany();
  }

  list(): Promise<AgreementEntity[]> {
    return this.dataSource.getRepository(AgreementEntity).find({ order: { createdAt: 'DESC' } });
  }

  /** Every agreement that has both regions among its parties, newest first. */
  between(a: string, b: string): Promise<AgreementEntity[]> {
    return this.dataSource
      .getRepository(AgreementEntity)
      .createQueryBuilder('a')
      .where('a.parties @> ARRAY[:a, :b]::varchar[]', { a, b })
      .orderBy('a.created_at', 'DESC')
      .getMany();
  }

  async save(agreement: AgreementEntity, manager: EntityManager): Promise<void> {
    await manager.getRepository(AgreementEntity).save(agreement);
  }

  async addEvent(event: NewEvent, manager: EntityManager, at = new Date()): Promise<void> {
    await manager.getRepository(AgreementEventEntity).insert({ ...event, at });
  }

  events(agreementId: string): Promise<AgreementEventEntity[]> {
    return this.dataSource
      .getRepository(AgreementEventEntity)
      .find({ where: { agreementId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /** How many messages were counted under `key` so far. */
  async usage(key: UsageKey): Promise<number> {
    const rows: { count: number }[] = await this.dataSource.query(
      `SELECT count FROM agreement_usage
        WHERE agreement_id = $1 AND scope = $2 AND from_region = $3 AND to_region = $4 AND day = $5`,
      [key.agreementId, key.scope, key.from, key.to, key.day],
    );
    return rows[0]?.count ?? 0;
  }

  /**
   * Counts one message under `key` unless `limit` is reached; true when counted. With `manager`,
   * in its transaction: the count is undone with it, and holds the counter row until it ends.
   */
  async countUsage(key: UsageKey, limit: number, manager?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (manager ?? this.dataSource).query(
      `INSERT INTO agreement_usage (agreement_id, scope, from_region, to_region, day, count)
       VALUES ($1, $2, $3, $4, $5, 1)
       ON CONFLICT (agreement_id, scope, from_region, to_region, day)
       DO UPDATE SET count = agreement_usage.count + 1 WHERE agreement_usage.count < $6
       RETURNING count`,
      [key.agreementId, key.scope, key.from, key.to, key.day, limit],
    );
    return rows.length === 1;
  }

  /** Marks as expired every agreement in force whose last day is before `today`; returns them. */
  /** Active renewals in force by `today` whose previous version is not retired yet. */
  async renewalsTakingOver(today: string, manager: EntityManager): Promise<AgreementEntity[]> {
    const rows = (await manager.query(
      `SELECT n.id FROM agreement n
         JOIN agreement o ON o.id::text = n.terms->>'supersedes'
        WHERE n.state = 'active' AND (n.terms->>'validFrom') <= $1
          AND o.state IN ('active', 'suspended', 'expired')`,
      [today],
    )) as { id: string }[];
    if (rows.length === 0) return [];
    return manager.getRepository(AgreementEntity).findBy(rows.map((r) => ({ id: r.id })));
  }

  async expireBefore(today: string, manager: EntityManager): Promise<AgreementEntity[]> {
    // An UPDATE … RETURNING answers [rows, affected count].
    const [rows] = (await manager.query(
      `UPDATE agreement SET state = 'expired', updated_at = now()
        WHERE state IN ('active', 'suspended') AND (terms->>'validUntil') < $1
        RETURNING id`,
      [today],
    )) as [{ id: string }[], number];
    if (rows.length === 0) return [];
    return manager.getRepository(AgreementEntity).findBy(rows.map((r) => ({ id: r.id })));
  }
}
