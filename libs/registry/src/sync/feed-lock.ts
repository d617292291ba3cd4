import type { EntityManager } from 'typeorm';

/**
 * Writers of a change feed take its lock for the rest of their transaction, so that feed
 * positions are handed out in commit order: a reader that has seen position n will never later
 * find a smaller one committed behind it. Readers take no lock.
 */
export const FEED_LOCKS = { shop: 7_301_001, landing: 7_301_002, register: 7_301_003 } as const;

export async function lockFeed(manager: EntityManager, feed: keyof typeof FEED_LOCKS): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCKS[feed]]);
}

/**
 * The highest position `column` holds in `table` ('0' when none): the newest of a change feed, or
 * how far a feed has been followed. Table and column are this code's own names, never input.
 */
export async function newestPosition(
  db: Pick<EntityManager, 'query'>,
  table: 'registry_shop' | 'registry_landing' | 'registry_entity',
  column: 'change_seq' | 'shop_seq' = 'change_seq',
): Promise<string> {
  const rows: { seq: string | null }[] = await db.query(`SELECT max(${column})::text AS seq FROM ${table}`);
  return rows[0]?.seq ?? '0';
}
