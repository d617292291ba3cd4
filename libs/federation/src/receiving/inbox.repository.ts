import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { InboxMessageEntity } from './inbox-message.entity';

/** Every envelope received goes through here: plain SQL, the one statement each step needs. */
const INSERT = `INSERT INTO federation_inbox (id, from_region, type, digest, envelope, receipt, response, received_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`;

@Injectable()
export class InboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findById(id: string): Promise<InboxMessageEntity | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      'SELECT id, from_region, type, digest, envelope, receipt, response, received_at FROM federation_inbox WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return row
      ? Object.assign(new InboxMessageEntity(), {
          id: row.id,
          fromRegion: row.from_region,
          type: row.type,
          digest: row.digest,
          envelope: row.envelope,
          receipt: row.receipt,
          response: row.response,
          receivedAt: row.received_at,
        })
      : null;
  }

  /**
   * Records an accepted envelope and applies its effect in one transaction. Returns false, and
   * applies nothing, when the id was recorded meanwhile (a concurrent duplicate delivery).
   */
  async recordAndApply(
    message: InboxMessageEntity,
    apply?: (manager: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    const values = [
      message.id,
      message.fromRegion,
      message.type,
      message.digest,
      message.envelope,
      message.receipt,
      message.response,
      message.receivedAt,
    ];
    if (!apply) {
      // Nothing to apply (a query): one statement, no transaction around it.
      const inserted: unknown[] = await this.dataSource.query(INSERT, values);
      return inserted.length === 1;
    }
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(INSERT, values);
      if (inserted.length !== 1) return false;
      await apply(manager);
      return true;
    });
  }
}
