import type { DataSource, Migration } from 'typeorm';

/** Arbitrary but fixed key: every replica of a node takes the same lock before migrating. */
const MIGRATION_LOCK_KEY = 7_284_331_001;

/**
 * Runs pending migrations while holding a session-level advisory lock, so replicas that start
 * together migrate one after the other instead of racing. Returns the migrations it applied.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
