import type { EmbeddedDatabase } from '../../libs/persistence/src/embedded-database';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __regulinkTestDatabase?: EmbeddedDatabase }).__regulinkTestDatabase?.stop();
}
