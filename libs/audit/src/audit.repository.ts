import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { StoredHashMap, type MerklePlan, type StoredNode } from '@regulink/protocol';
import { AuditTreeHeadEntity } from './audit-tree-head.entity';

/** Fixed key of the lock that serialises appends across replicas. */
const APPEND_LOCK_KEY = 7_284_331_002;

export interface EntryRow {
  readonly seq: number;
  readonly kind: string;
  readonly messageId: string | null;
  readonly data: string;
  readonly leafHash: Uint8Array;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs an append under the log-wide lock: `work` gets the current size and a way to read stored
   * hashes, and returns the rows to write, which are written in the same transaction.
   */
  async appendLocked(
    work: (
      size: number,
      fetch: (plan: MerklePlan) => Promise<StoredHashMap>,
    ) => Promise<{ entries: EntryRow[]; nodes: StoredNode[] }>,
  ): Promise<EntryRow[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
      const size = await this.size(manager);
      const { entries, nodes } = await work(size, (plan) => this.fetch(plan, manager));
      if (entries.length > 0) {
        await manager.query(
          `INSERT INTO audit_entry (seq, kind, message_id, data, leaf_hash, recorded_at)
           SELECT s, k, m, d, h, now() FROM unnest($1::bigint[], $2::text[], $3::uuid[], $4::text[], $5::bytea[]) AS t(s, k, m, d, h)`,
          [
            entries.map((e) => e.seq),
            entries.map((e) => e.kind),
            entries.map((e) => e.messageId),
            entries.map((e) => e.data),
            entries.map((e) => Buffer.from(e.leafHash)),
          ],
        );
      }
      if (nodes.length > 0) {
        await manager.query(
          `INSERT INTO audit_node (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`,
          [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => Buffer.from(n.hash))],
        );
      }
      return entries;
    });
  }

  async size(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const rows: { size: string }[] = await manager.query(
      'SELECT coalesce(max(seq) + 1, 0) AS size FROM audit_entry',
    );
    return Number(rows[0]!.size);
  }

  /** Every stored hash a plan lists, in one query. */
  async fetch(plan: MerklePlan, manager: EntityManager = this.dataSource.manager): Promise<StoredHashMap> {
    const rows: { level: number; idx: string; hash: Buffer }[] = await manager.query(
      `SELECT 0 AS level, seq AS idx, leaf_hash AS hash FROM audit_entry WHERE seq = ANY($1::bigint[])
       UNION ALL
       SELECT n.level, n.idx, n.hash FROM audit_node n
         JOIN unnest($2::smallint[], $3::bigint[]) AS w(l, i) ON n.level = w.l AND n.idx = w.i`,
      [plan.leaves, plan.nodes.map((n) => n.level), plan.nodes.map((n) => n.index)],
    );
    const map = new StoredHashMap();
    for (const row of rows) {
      const hash = new Uint8Array(row.hash);
      if (row.level === 0) map.addLeaf(Number(row.idx), hash);
      else map.addNode(row.level, Number(row.idx), hash);
    }
    return map;
  }

  async entry(
    seq: number,
  ): Promise<{ seq: number; kind: string; messageId: string | null; data: string } | null> {
    const rows: { seq: string; kind: string; message_id: string | null; data: string }[] =
      await this.dataSource.query('SELECT seq, kind, message_id, data FROM audit_entry WHERE seq = $1', [
        seq,
      ]);
    const row = rows[0];
    return row ? { seq: Number(row.seq), kind: row.kind, messageId: row.message_id, data: row.data } : null;
  }

  async entriesForMessage(messageId: string): Promise<{ seq: number; kind: string; data: string }[]> {
    const rows: { seq: string; kind: string; data: string }[] = await this.dataSource.query(
      'SELECT seq, kind, data FROM audit_entry WHERE message_id = $1 ORDER BY seq',
      [messageId],
    );
    return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, data: r.data }));
  }

  /** Every entry's leaf data and stored leaf hash, in order, a page at a time. */
  async entryPage(
    fromSeq: number,
    limit: number,
  ): Promise<{ seq: number; data: string; leafHash: Uint8Array }[]> {
    const rows: { seq: string; data: string; leaf_hash: Buffer }[] = await this.dataSource.query(
      'SELECT seq, data, leaf_hash FROM audit_entry WHERE seq >= $1 ORDER BY seq LIMIT $2',
      [fromSeq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), data: r.data, leafHash: new Uint8Array(r.leaf_hash) }));
  }

  async allNodes(): Promise<{ level: number; index: number; hash: Uint8Array }[]> {
    const rows: { level: number; idx: string; hash: Buffer }[] = await this.dataSource.query(
      'SELECT level, idx, hash FROM audit_node ORDER BY level, idx',
    );
    return rows.map((r) => ({ level: r.level, index: Number(r.idx), hash: new Uint8Array(r.hash) }));
  }

  allTreeHeads(): Promise<AuditTreeHeadEntity[]> {
    return this.dataSource.getRepository(AuditTreeHeadEntity).find({ order: { size: 'ASC' } });
  }

  async saveTreeHead(head: AuditTreeHeadEntity): Promise<void> {
    await this.dataSource.getRepository(AuditTreeHeadEntity).upsert(head, ['size']);
  }

  latestTreeHead(): Promise<AuditTreeHeadEntity | null> {
    return this.dataSource.getRepository(AuditTreeHeadEntity).findOne({ where: {}, order: { size: 'DESC' } });
  }
}
