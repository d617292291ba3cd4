import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** A fixed statement with a name unique in the application. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * Runs `statement` on the data source's connection pool as a named prepared statement: each
 * connection parses and plans it once, not on every call. For the few statements on the hot
 * path of every exchange; everything else goes through TypeORM.
 */
export async function runPrepared<R extends Record<string, unknown>>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<R[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query<R>({ name: statement.name, text: statement.text, values: [...values] });
  return result.rows;
}
