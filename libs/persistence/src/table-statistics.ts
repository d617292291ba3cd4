import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Rows a table grows by before its statistics are taken again, at the least. */
const MIN_GROWTH = 10_000;

interface TableState {
  /** Rows written since the statistics were last taken (or since this node started). */
  grown: number;
  /** Rows the table held when they were taken (PostgreSQL's estimate). */
  base: number;
  /** The table's size is being read, or it is being analyzed. */
  busy: boolean;
}

/**
 * Keeps the planner's statistics of tables that bulk flows fill quickly (imports, synced records,
 * landing results). Until a table is analyzed the planner guesses its size, and a feed walked
 * in order (`… WHERE seq > $1 ORDER BY seq LIMIT n`) may then be read whole and sorted at every
 * pull: 0.4 ms became 200 ms per read at 200,000 rows. The background autovacuum gets there only
 * after a minute or more; the writers here say how much they wrote, and the table is analyzed
 * once it has doubled (10,000 rows at least), one ANALYZE per table at a time. Once a table has
 * statistics the planner scales its row estimate with the table's size on disk, so more frequent
 * runs would only cost time: each reads a sample of some 30,000 rows, about a second at
 * 200,000 shops before the stored records were left out of it (see the migration
 * StatisticsLeaveOutRecords). The size a table has when this node first writes to it is read
 * from the catalog, so a restart does not analyze a large table again for its first rows.
 */
@Injectable()
export class TableStatistics {
  private readonly logger = new Logger('TableStatistics');
  private readonly tables = new Map<string, TableState>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records that `rows` rows were written to `table` (a name from the code, never from input). */
  grew(table: string, rows: number): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new TypeError(`not a table name: ${table}`);
    let state = this.tables.get(table);
    if (!state) {
      const fresh: TableState = { grown: 0, base: 0, busy: true };
      this.tables.set(table, fresh);
      void this.measure(table, fresh).then(() => this.consider(table, fresh));
      state = fresh;
    }
    state.grown += rows;
    this.consider(table, state);
  }

  private consider(table: string, state: TableState): void {
    if (state.busy || state.grown < Math.max(MIN_GROWTH, state.base)) return;
    state.busy = true;
    const grown = state.grown;
    void this.dataSource
      .query(`ANALYZE ${table}`)
      .then(() => (state.grown -= grown))
      .catch((error: unknown) => this.logger.warn({ err: error, table }, 'could not analyze a table'))
      .finally(() => void this.measure(table, state));
  }

  /** The rows `table` holds as its statistics estimate them; 0 before they are first taken. */
  async size(table: string): Promise<number> {
    const rows: { rows: number }[] = await this.dataSource.query(
      'SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = to_regclass($1)',
      [table],
    );
    return rows[0]?.rows ?? 0;
  }

  /** Reads the table's size as its statistics have it; the next write looks at the table again. */
  private async measure(table: string, state: TableState): Promise<void> {
    try {
      state.base = await this.size(table);
    } catch (error) {
      this.logger.warn({ err: error, table }, 'could not read the size of a table');
    } finally {
      state.busy = false;
    }
  }
}
