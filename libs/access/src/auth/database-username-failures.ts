import type { DataSource } from 'typeorm';
import { USERNAME_FORM } from '@regulink/protocol';
import { MemoryUsernameFailures, type LoginThrottleLimits, type UsernameFailures } from './login-throttle';

/** How often, at most, usernames with nothing left to count are cleared out of the table. */
const SWEEP_MS = 60_000;

/**
 * The failed sign-ins of each username in the node's database (`auth_sign_in_failure`), so that
 * every replica of a node counts the same attempts and holds the same lock: guesses spread over
 * the replicas lock a username as soon as guesses at one would. Times are the node's clock, in
 * milliseconds; each step is one statement. A name without the form of a username names no
 * account and is often a password typed in the wrong field: it is counted in this process's
 * memory only, never written (as it is never logged).
 */
export class DatabaseUsernameFailures implements UsernameFailures {
  private sweptAt = 0;
  private readonly notUsernames: MemoryUsernameFailures;

  constructor(
    private readonly dataSource: DataSource,
    maxTracked: number,
  ) {
    this.notUsernames = new MemoryUsernameFailures(maxTracked);
  }

  async count(username: string, now: number, limits: LoginThrottleLimits) {
    if (!USERNAME_FORM.test(username)) return this.notUsernames.count(username, now, limits);
    await this.sweep(now, limits);
    // The attempts within the window, this one added, unless a lock holds; locked when they reach the limit.
    const rows: { locked_until: string }[] = await this.dataSource.query(
      `INSERT INTO auth_sign_in_failure AS f (username, failures, locked_until)
       VALUES ($1, ARRAY[$2::bigint], CASE WHEN 1 >= $4 THEN $2::bigint + $5 ELSE 0 END)
       ON CONFLICT (username) DO UPDATE SET
         failures = ARRAY(SELECT t FROM unnest(f.failures) AS t WHERE t > $2::bigint - $3 ORDER BY t) || $2::bigint,
         locked_until = CASE
           WHEN cardinality(ARRAY(SELECT t FROM unnest(f.failures) AS t WHERE t > $2::bigint - $3)) + 1 >= $4
           THEN $2::bigint + $5 ELSE 0 END
       WHERE f.locked_until <= $2::bigint
       RETURNING locked_until`,
      [username, now, limits.usernameWindowMs, limits.usernameFailures, limits.usernameLockMs],
    );
    if (rows.length > 0) return { lockedUntil: null, locking: Number(rows[0]!.locked_until) > 0 };
    const [held] = (await this.dataSource.query(
      'SELECT locked_until FROM auth_sign_in_failure WHERE username = $1',
      [username],
    )) as { locked_until: string }[];
    return { lockedUntil: Number(held?.locked_until ?? now + 1000), locking: false };
  }

  async giveBack(username: string, at: number, limits: LoginThrottleLimits) {
    if (!USERNAME_FORM.test(username)) return this.notUsernames.giveBack(username, at, limits);
    // One attempt of that moment, not every one (another replica's may share the millisecond).
    await this.dataSource.query(
      `UPDATE auth_sign_in_failure
          SET failures = failures[:array_position(failures, $2::bigint) - 1]
                         || failures[array_position(failures, $2::bigint) + 1:],
              locked_until = CASE WHEN cardinality(failures) - 1 < $3 THEN 0 ELSE locked_until END
        WHERE username = $1 AND $2::bigint = ANY (failures)`,
      [username, at, limits.usernameFailures],
    );
  }

  async forget(username: string) {
    if (!USERNAME_FORM.test(username)) return this.notUsernames.forget(username);
    await this.dataSource.query('DELETE FROM auth_sign_in_failure WHERE username = $1', [username]);
  }

  /** Clears out usernames no longer locked whose attempts are all past the window (any name can be tried). */
  private async sweep(now: number, limits: LoginThrottleLimits): Promise<void> {
    if (now - this.sweptAt < SWEEP_MS) return;
    this.sweptAt = now;
    await this.dataSource.query(
      `DELETE FROM auth_sign_in_failure
        WHERE locked_until <= $1
          AND (cardinality(failures) = 0 OR failures[cardinality(failures)] <= $1 - $2)`,
      [now, limits.usernameWindowMs],
    );
  }
}
