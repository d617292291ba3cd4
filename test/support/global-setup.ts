import { NATS_MISSING, natsServerBinary } from './nats';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../../libs/persistence/src/embedded-database';

/**
 * One PostgreSQL server for the whole test run: the one in DATABASE_URL when given, otherwise an
 * embedded throwaway cluster. Tests reach it through TEST_DATABASE_URL and create their own
 * databases on it (see test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  // Data folders of the nodes the tests boot live here and go away with the run.
  process.env.REGULINK_TEST_TMP = mkdtempSync(join(tmpdir(), 'regulink-test-'));
  if (!natsServerBinary() && !process.env.REGULINK_REQUIRE_NATS)
    process.stderr.write(`\n*** ${NATS_MISSING} ***\n`);
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const database = new EmbeddedDatabase({ dataDir: '', port: 0, throwaway: true, database: 'regulink_test' });
  process.env.TEST_DATABASE_URL = await database.start();
  (globalThis as { __regulinkTestDatabase?: EmbeddedDatabase }).__regulinkTestDatabase = database;
}
