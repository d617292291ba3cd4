import { NATS_MISSING, natsServerBinary } from './nats';
import type { EmbeddedDatabase } from '../../libs/persistence/src/embedded-database';

export default async function globalTeardown(): Promise<void> {
  if (!natsServerBinary() && !process.env.REGULINK_REQUIRE_NATS)
    process.stderr.write(`\n*** ${NATS_MISSING} ***\n`);
  await (globalThis as { __regulinkTestDatabase?: EmbeddedDatabase }).__regulinkTestDatabase?.stop();
}
