import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Rows a table grows by before its statistics are taken again, at the least. */
const MIN_GROWTH = 10_000;
/** And at the least this share of the rows it held when they were last taken. */
const GROWTH_SHARE = 0.2;

/**
 * Keeps the planner's statistics of tables that bulk flows fill quickly (imports, synced records,
 * landing results). Until a table is analyzed the planner guesses its size, and a feed walked
 * in order (`… WHERE seq > $1 ORDER BY seq LIMIT n`) may then be read whole and sorted at every
 * pull: 0.4 ms became 200 ms per read at 200,000 rows. The background autovacuum gets there only
 * after a minute or more; the writers here say how much they wrote, and the table is analyzed
 * once it has grown by a fifth (10,000 rows at least), one ANALYZE per table at a time.
 */
@Injectable()
export class TableStatistics {
  private readonly logger = new Logger('TableStatistics');
  private readonly tables = new Map<string, { grown: number; base: number; running: boolean }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records that `rows` rows were written to `table` (a name from the code, never from input). */
  grew(table: string, rows: number): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new TypeError(`not a table name: ${table}`);
    const state = this.tables.get(table) ?? { grown: 0, base: 0, running: false };
    this.tables.set(table, state);
    state.grown += rows;
    if (state.running || state.grown < Math.max(MIN_GROWTH, state.base * GROWTH_SHARE)) return;
    state.running = true;
    const grown = state.grown;
    void this.dataSource
      .query(`ANALYZE ${table}`)
      .then(() => {
        state.base += grown;
        state.grown -= grown;
      })
      .catch((error: unknown) => this.logger.warn({ err: error, table }, 'could not analyze a table'))
      .finally(() => (state.running = false));
  }
}
