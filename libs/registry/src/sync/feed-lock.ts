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
