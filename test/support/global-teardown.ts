import { rmSync } from 'node:fs';
import { NATS_MISSING, natsServerBinary } from './nats';
import type { EmbeddedDatabase } from '../../libs/persistence/src/embedded-database';

export default async function globalTeardown(): Promise<void> {
  if (process.env.REGULINK_TEST_TMP) rmSync(process.env.REGULINK_TEST_TMP, { recursive: true, force: true });
  if (!natsServerBinary() && !process.env.REGULINK_REQUIRE_NATS)
    process.stderr.write(`\n*** ${NATS_MISSING} ***\n`);
  await (globalThis as { __regulinkTestDatabase?: EmbeddedDatabase }).__regulinkTestDatabase?.stop();
}
