import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation, runPrepared, type PreparedStatement } from '@regulink/persistence';
import { StoredHashMap, type MerklePlan, type StoredNode } from '@regulink/protocol';
import { CompanionConflict, type AuditCompanion } from './audit-companion';
import { AuditTreeHeadEntity } from './audit-tree-head.entity';

const INSERT_ENTRIES = `entries AS (
           INSERT INTO audit_entry (seq, kind, message_id, data, leaf_hash, recorded_at)
           SELECT s, k, m, d, h, now()
             FROM unnest($1::bigint[], $2::text[], $3::uuid[], $4::text[], $5::bytea[]) AS t(s, k, m, d, h))
         INSERT INTO audit_node (level, idx, hash)
         SELECT * FROM unnest($6::smallint[], $7::bigint[], $8::bytea[])`;

/** A batch of entries and the interior nodes they complete, one array per column. */
const INSERT_BATCH: PreparedStatement = {
  name: 'regulink-audit-insert-batch',
  text: `WITH ${INSERT_ENTRIES}`,
};

/** Rows of companion tables to write with a batch, one group per companion. */
export interface CompanionRows {
  readonly companion: AuditCompanion<unknown>;
  readonly rows: readonly unknown[];
}

export interface EntryRow {
  readonly seq: number;
  readonly kind: string;
  readonly messageId: string | null;
  readonly data: string;
  readonly leafHash: Uint8Array;
}

@Injectable()
export class AuditRepository {
  /** The batch statement with the rows of each set of companions, by the companions' names. */
  private readonly withCompanions = new Map<string, PreparedStatement>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes a batch of entries and the interior nodes they complete, with the rows of companion
   * tables if any, in one statement (so one commit). Returns false, writing nothing, when another
   * writer (a replica) took any of these positions first: the caller's idea of the log's end was
   * stale. Throws {@link CompanionConflict}, writing nothing, when a companion row's key is taken.
   */
  async insertBatch(
    entries: readonly EntryRow[],
    nodes: readonly StoredNode[],
    companions: readonly CompanionRows[] = [],
  ): Promise<boolean> {
    const values: unknown[] = [
      entries.map((e) => e.seq),
      entries.map((e) => e.kind),
      entries.map((e) => e.messageId),
      entries.map((e) => e.data),
      entries.map((e) => Buffer.from(e.leafHash)),
      nodes.map((n) => n.level),
      nodes.map((n) => n.index),
      nodes.map((n) => Buffer.from(n.hash)),
    ];
    const widths = companions.map(({ companion, rows }) => {
      const columns = companion.columns(rows);
      values.push(...columns);
      return columns.length;
    });
    try {
      await runPrepared(this.dataSource, this.statement(companions, widths), values);
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const table = (error as { table?: unknown }).table;
      const taken = companions.find((c) => c.companion.table === table);
      if (taken) throw new CompanionConflict(taken.companion.name);
      return false;
    }
  }

  /** Writes companion rows on their own, skipping those already there; true for each row written. */
  async insertNew(companion: AuditCompanion<unknown>, rows: readonly unknown[]): Promise<boolean[]> {
    const written = await runPrepared<{ key: string }>(
      this.dataSource,
      companion.insertNew,
      companion.columns(rows),
    );
    const fresh = new Set(written.map((r) => r.key));
    // A key twice among the rows is written once: the first of them.
    return rows.map((row) => fresh.delete(companion.key(row)));
  }

  /** The batch statement; a companion's columns follow the entries' and nodes' eight arrays. */
  private statement(companions: readonly CompanionRows[], widths: readonly number[]): PreparedStatement {
    if (companions.length === 0) return INSERT_BATCH;
    const names = companions.map((c) => c.companion.name).join('+');
    let statement = this.withCompanions.get(names);
    if (!statement) {
      let next = 9;
      const ctes = companions.map(({ companion }, i) => {
        const cte = `companion${i} AS (${companion.insert(next)})`;
        next += widths[i]!;
        return cte;
      });
      statement = {
        name: `regulink-audit-insert-batch+${names}`,
        text: `WITH ${ctes.join(',\n')},\n${INSERT_ENTRIES}`,
      };
      this.withCompanions.set(names, statement);
    }
    return statement;
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
