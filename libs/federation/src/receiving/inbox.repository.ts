import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditLog, type AuditCompanion, type AuditRecord } from '@regulink/audit';
import { runPrepared, WriteBatcher, type PreparedStatement } from '@regulink/persistence';
import { InboxMessageEntity } from './inbox-message.entity';

/** Every envelope received goes through here: plain SQL, the one statement each step needs. */
const INSERT = `INSERT INTO federation_inbox (id, from_region, type, digest, envelope, receipt, response, received_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`;

/** The same for many envelopes at once, one array per column; a repeated id is recorded once. */
const INSERT_MANY: PreparedStatement = {
  name: 'regulink-inbox-insert-many',
  text: `INSERT INTO federation_inbox (id, from_region, type, digest, envelope, receipt, response, received_at)
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[],
                              $6::text[], $7::text[], $8::timestamptz[])
         ON CONFLICT (id) DO NOTHING RETURNING id`,
};

/** Envelopes recorded in one statement at most. */
const MAX_BATCH = 500;

type InboxRow = readonly [string, string, string, string, string, string, string | null, Date];

/** One array per column of the inbox rows. */
function inboxColumns(rows: readonly InboxRow[]): unknown[][] {
  return Array.from({ length: 8 }, (_, c) => rows.map((row) => row[c]));
}

/** Inbox rows written with the audit entries that record them, in the audit log's batch statement. */
const INBOX_WITH_AUDIT: AuditCompanion<InboxRow> = {
  name: 'inbox',
  table: 'federation_inbox',
  insert: (n) =>
    `INSERT INTO federation_inbox (id, from_region, type, digest, envelope, receipt, response, received_at)
     SELECT * FROM unnest($${n}::uuid[], $${n + 1}::varchar[], $${n + 2}::varchar[], $${n + 3}::varchar[],
                          $${n + 4}::text[], $${n + 5}::text[], $${n + 6}::text[], $${n + 7}::timestamptz[])`,
  insertNew: {
    name: 'regulink-inbox-insert-new',
    text: `INSERT INTO federation_inbox (id, from_region, type, digest, envelope, receipt, response, received_at)
           SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[],
                                $6::text[], $7::text[], $8::timestamptz[])
           ON CONFLICT (id) DO NOTHING RETURNING id AS key`,
  },
  columns: inboxColumns,
  key: (row) => row[0],
};

@Injectable()
export class InboxRepository {
  /** Envelopes with nothing to apply (queries), recorded together when they arrive together. */
  private readonly records = new WriteBatcher<InboxRow, boolean>((rows) => this.insertMany(rows), {
    maxWeight: MAX_BATCH,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  /** Whether an envelope of this id was recorded (reads none of it: a response can be large). */
  async has(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM federation_inbox WHERE id = $1', [id]);
    return rows.length > 0;
  }

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
    const values = toRow(message);
    // Nothing to apply (a query): no transaction, and one statement for all that arrive together.
    if (!apply) return this.records.submit(values);
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(INSERT, [...values]);
      if (inserted.length !== 1) return false;
      await apply(manager);
      return true;
    });
  }

  /**
   * Records an envelope with nothing to apply (a query) together with the audit entries of its
   * acceptance: one statement and one commit for both, shared with whatever else the audit log
   * writes meanwhile. Returns false, writing neither, when the id was recorded before (a replay).
   */
  async recordWithAudit(message: InboxMessageEntity, records: readonly AuditRecord[]): Promise<boolean> {
    return (await this.audit.appendWith(records, INBOX_WITH_AUDIT, toRow(message))) !== null;
  }

  /** One result per row: true for the first row of an id not recorded before, false otherwise. */
  private async insertMany(rows: readonly InboxRow[]): Promise<boolean[]> {
    const inserted = await runPrepared<{ id: string }>(this.dataSource, INSERT_MANY, inboxColumns(rows));
    const fresh = new Set(inserted.map((r) => r.id));
    return rows.map((row) => fresh.delete(row[0]));
  }
}

function toRow(message: InboxMessageEntity): InboxRow {
  return [
    message.id,
    message.fromRegion,
    message.type,
    message.digest,
    message.envelope,
    message.receipt,
    message.response,
    message.receivedAt,
  ];
}
