import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, Migration } from 'typeorm';

/**
 * Keys of the session-level advisory locks that keep work to one replica of a node at a time.
 * Arbitrary but fixed, and distinct from the feed locks' (7_301_00x).
 */
export const SESSION_LOCKS = {
  migrations: 7_284_331_001,
  landing: 7_284_331_002,
  keyRotation: 7_284_331_003,
} as const;

export interface HoldingOptions {
  /**
   * Ask for a busy lock again every `pollMs` instead of queueing on it in one statement: no
   * statement stays waiting, so a statement timeout never ends the wait however long the holder
   * works.
   */
  readonly pollMs?: number;
  /** Asked before each new try: true gives up the wait, and `holding` returns undefined. */
  readonly givenUp?: () => boolean;
}

/**
 * Runs `work` while this process holds the session-level advisory lock `lock`, on a connection
 * kept for as long as the work lasts; the lock is let go when it ends, or with the connection
 * should it drop. Replicas of a node that ask for the same lock run their work one after another.
 * Long work calls `stillHeld` between its steps: it throws once the lock is gone with its
 * connection (dropped by the network), so that the work stops rather than go on beside another's.
 */
export async function holding<T>(
  dataSource: DataSource,
  lock: keyof typeof SESSION_LOCKS,
  work: (stillHeld: () => Promise<void>) => Promise<T>,
  options: HoldingOptions = {},
): Promise<T | undefined> {
  const key = SESSION_LOCKS[lock];
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (options.pollMs === undefined) {
      await runner.query('SELECT pg_advisory_lock($1)', [key]);
    } else {
      for (;;) {
        if (options.givenUp?.()) return undefined;
        const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS taken', [key])) as {
          taken: boolean;
        }[];
        if (row?.taken) break;
        await sleep(options.pollMs);
      }
    }
    const stillHeld = async () => {
      const rows = (await runner.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
            AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1`,
        [key],
      )) as unknown[];
      if (rows.length === 0) throw new Error(`the ${lock} lock was lost with its connection`);
    };
    try {
      return await work(stillHeld);
    } finally {
      // A connection lost meanwhile took the lock with it: the work's own outcome stands.
      await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/** Runs pending migrations, replicas that start together one after the other; returns those applied. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  return (await holding(dataSource, 'migrations', () => dataSource.runMigrations({ transaction: 'each' })))!;
}
