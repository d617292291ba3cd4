import { Logger } from '@nestjs/common';
import { AccessErrorCode, AccessException } from '../access.exception';
import { AccessClock } from './access-clock';
import { loggableUsername } from '../users/username';

/** How many failed sign-ins are let through before the next are refused, and for how long. */
export interface LoginThrottleLimits {
  /** Failed sign-ins for one username within `usernameWindowMs` that lock that username… */
  readonly usernameFailures: number;
  readonly usernameWindowMs: number;
  /** …for this long (a right password too is refused meanwhile). */
  readonly usernameLockMs: number;
  /** Failed sign-ins from one client address within `addressWindowMs` past which it is refused. */
  readonly addressFailures: number;
  readonly addressWindowMs: number;
  /** Most usernames, and most addresses, remembered at once (the oldest are forgotten first). */
  readonly maxTracked: number;
}

export const LOGIN_THROTTLE_LIMITS: LoginThrottleLimits = {
  usernameFailures: 5,
  usernameWindowMs: 15 * 60_000,
  usernameLockMs: 15 * 60_000,
  addressFailures: 20,
  addressWindowMs: 60_000,
  maxTracked: 50_000,
};

/** One password check under way: settle it with `succeeded` when the password was right. */
export interface SignInAttempt {
  readonly username: string;
  readonly address: string;
  readonly at: number;
}

/**
 * Where the failed sign-ins of each username are counted: in the database, shared by every
 * replica of a node (`DatabaseUsernameFailures`), or in this process's memory (tests, a
 * single process). Each call is one atomic step.
 */
export interface UsernameFailures {
  /**
   * Counts an attempt for `username` at `now`, unless the username is locked: then the end of
   * the lock is returned and nothing is counted. Locks the username when the attempts within the
   * window reach the limit (`locking`).
   */
  count(
    username: string,
    now: number,
    limits: LoginThrottleLimits,
  ): Promise<{ lockedUntil: number | null; locking: boolean }>;
  /** Gives back the attempt counted at `at`, and the lock with it when fewer than the limit are left. */
  giveBack(username: string, at: number, limits: LoginThrottleLimits): Promise<void>;
  /** Forgets the username's attempts and lock. */
  forget(username: string): Promise<void>;
}

interface UsernameState {
  /** When each recent failure (or attempt still under way) started, oldest first. */
  failures: number[];
  lockedUntil: number;
}

/** The failures of each username in this process's memory, the oldest usernames forgotten past `maxTracked`. */
export class MemoryUsernameFailures implements UsernameFailures {
  private readonly usernames = new Map<string, UsernameState>();

  constructor(private readonly maxTracked: number) {}

  async count(username: string, now: number, limits: LoginThrottleLimits) {
    const state = this.usernames.get(username);
    if (state && state.lockedUntil > now) return { lockedUntil: state.lockedUntil, locking: false };
    const failures = recent(state?.failures, now - limits.usernameWindowMs);
    failures.push(now);
    const locking = failures.length >= limits.usernameFailures;
    remember(
      this.usernames,
      username,
      { failures, lockedUntil: locking ? now + limits.usernameLockMs : 0 },
      this.maxTracked,
    );
    return { lockedUntil: null, locking };
  }

  async giveBack(username: string, at: number, limits: LoginThrottleLimits) {
    const state = this.usernames.get(username);
    const index = state?.failures.lastIndexOf(at) ?? -1;
    if (index < 0) return;
    state!.failures.splice(index, 1);
    if (state!.failures.length < limits.usernameFailures) state!.lockedUntil = 0;
  }

  async forget(username: string) {
    this.usernames.delete(username);
  }
}

/**
 * Throttles password checks (sign-in, and a user changing their own password). The checks for one
 * username run one after another in a process (`check`); an attempt counts as failed from the
 * moment it starts and is given back when the password proves right, so parallel guesses from
 * many addresses are counted before any of them is checked. Per username, known or not (the
 * answer never tells which): `usernameFailures` failures within the window lock it for
 * `usernameLockMs`, counted where `usernames` keeps them (the node: its database, so that every
 * replica counts the same attempts and holds the same lock). Per client address (an IPv6 address
 * by its /64): at most `addressFailures` failures per `addressWindowMs`, in this process's memory.
 * A refused attempt costs no password check and does not count. Tests build one with their own
 * limits.
 */
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly addresses = new Map<string, number[]>();
  /** Per username, the end of the checks queued for it (see `check`). */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly limits: LoginThrottleLimits;

  private readonly usernames: UsernameFailures;

  constructor(
    private readonly clock: AccessClock,
    limits?: LoginThrottleLimits,
    usernames?: UsernameFailures,
  ) {
    this.limits = limits ?? LOGIN_THROTTLE_LIMITS;
    this.usernames = usernames ?? new MemoryUsernameFailures(this.limits.maxTracked);
  }

  /**
   * Runs one password check (`verify`, true when the password is right) for `username`, counted
   * as `begin` and `succeeded` say, after the checks already under way for that username: parallel
   * guesses are checked one at a time and the lock stops them, while a user signing in from
   * several workers at once waits a moment instead of locking itself out. Throws a refusal.
   */
  async check(username: string, clientAddress: string, verify: () => Promise<boolean>): Promise<boolean> {
    const before = this.queues.get(username) ?? Promise.resolve();
    let done!: () => void;
    const mine = before.then(() => new Promise<void>((resolve) => (done = resolve)));
    this.queues.set(username, mine);
    try {
      await before;
      const attempt = await this.begin(username, clientAddress);
      let right: boolean;
      try {
        right = await verify();
      } catch (error) {
        // No check was made (the database failing, say): that is not a wrong password.
        await this.withdraw(attempt).catch(() => undefined);
        throw error;
      }
      if (right) await this.succeeded(attempt);
      return right;
    } finally {
      // `done` is set once `before` settled, which the await above waited for.
      done?.();
      if (this.queues.get(username) === mine) this.queues.delete(username);
    }
  }

  /** Counts an attempt about to check a password, or refuses it (`SIGN_IN_LOCKED`, `SIGN_IN_RATE_LIMITED`). */
  async begin(username: string, clientAddress: string): Promise<SignInAttempt> {
    const now = this.clock.now();
    const address = addressKey(clientAddress);
    const { usernameLockMs, addressFailures, addressWindowMs } = this.limits;

    const fromAddress = recent(this.addresses.get(address), now - addressWindowMs);
    if (fromAddress.length >= addressFailures) {
      const wait = seconds(fromAddress[0]! + addressWindowMs - now);
      throw new AccessException(
        AccessErrorCode.SignInRateLimited,
        `too many failed sign-ins from this address; try again in ${wait} s`,
        wait,
      );
    }
    // Counted against the address at once, so that attempts at the same moment see each other.
    fromAddress.push(now);
    remember(this.addresses, address, fromAddress, this.limits.maxTracked);
    const attempt = { username, address, at: now };
    let counted: Awaited<ReturnType<UsernameFailures['count']>>;
    try {
      counted = await this.usernames.count(username, now, this.limits);
    } catch (error) {
      this.giveBackAddress(attempt);
      throw error;
    }
    const { lockedUntil, locking } = counted;
    if (lockedUntil !== null) {
      this.giveBackAddress(attempt);
      const wait = seconds(lockedUntil - now);
      throw new AccessException(
        AccessErrorCode.SignInLocked,
        `too many failed sign-ins for this username; try again in ${wait} s`,
        wait,
      );
    }
    if (locking) {
      this.logger.warn(
        { username: loggableUsername(username), lockSeconds: usernameLockMs / 1000 },
        'locked sign-ins for a username',
      );
    }
    return attempt;
  }

  /** The password was right: the attempt is given back and the username's failures forgotten. */
  async succeeded(attempt: SignInAttempt): Promise<void> {
    this.giveBackAddress(attempt);
    await this.usernames.forget(attempt.username);
  }

  /**
   * The password could not be checked: the attempt is given back as if never made, the lock it
   * set with it (the checks for one username run one at a time, so any lock now is its).
   */
  async withdraw(attempt: SignInAttempt): Promise<void> {
    this.giveBackAddress(attempt);
    await this.usernames.giveBack(attempt.username, attempt.at, this.limits);
  }

  private giveBackAddress(attempt: SignInAttempt): void {
    const fromAddress = this.addresses.get(attempt.address);
    const index = fromAddress?.lastIndexOf(attempt.at) ?? -1;
    if (index >= 0) fromAddress!.splice(index, 1);
  }

  /** Forgets a username's failures and lock (its password was just set by an administrator). */
  forget(username: string): Promise<void> {
    return this.usernames.forget(username);
  }
}

/** The times after `since`, oldest first (the list is kept in order). */
function recent(times: readonly number[] | undefined, since: number): number[] {
  return times ? times.filter((t) => t > since) : [];
}

/** Stores a key as the newest, forgetting the oldest keys past the bound. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The address an attempt is counted under: an IPv4 address as it is (also when IPv4-mapped), an
 * IPv6 address by its first 64 bits, since one host commonly holds a whole /64.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
