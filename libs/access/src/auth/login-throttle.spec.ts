import { Logger } from '@nestjs/common';
import { AccessErrorCode } from '../access.exception';
import type { AccessClock } from './access-clock';
import { addressKey, LOGIN_THROTTLE_LIMITS, LoginThrottle, type LoginThrottleLimits } from './login-throttle';

describe('LoginThrottle', () => {
  const limits: LoginThrottleLimits = {
    usernameFailures: 3,
    usernameWindowMs: 10_000,
    usernameLockMs: 30_000,
    addressFailures: 5,
    addressWindowMs: 1_000,
    maxTracked: 4,
  };
  let now: number;
  let throttle: LoginThrottle;
  const clock = { now: () => now } as AccessClock;

  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());
  beforeEach(() => {
    now = 1_000_000;
    throttle = new LoginThrottle(clock, limits);
  });

  const refusal = async (username: string, address: string) => {
    try {
      await throttle.begin(username, address);
      return null;
    } catch (error) {
      return error as { code: string; message: string };
    }
  };

  it('locks a username after its failures within the window, for the lock time, right password or not', async () => {
    for (let i = 0; i < 3; i++) expect(await refusal('li.wei', `10.0.0.${i}`)).toBeNull();
    expect(await refusal('li.wei', '10.0.1.1')).toEqual(
      expect.objectContaining({
        code: AccessErrorCode.SignInLocked,
        message: 'too many failed sign-ins for this username; try again in 30 s',
      }),
    );
    now += 29_999;
    expect((await refusal('li.wei', '10.0.1.1'))?.code).toBe(AccessErrorCode.SignInLocked);
    // Another username is not held back by it.
    expect(await refusal('wang.fang', '10.0.1.1')).toBeNull();
    now += 1;
    expect(await refusal('li.wei', '10.0.1.1')).toBeNull();
  });

  it('does not count a sign-in whose password could not be checked (the database failing)', async () => {
    const down = () => Promise.reject(new Error('connection terminated'));
    // One real failure first: it still counts, the failed checks around it do not.
    expect(await throttle.check('li.wei', '10.0.0.1', () => Promise.resolve(false))).toBe(false);
    for (let i = 0; i < 10; i++) {
      await expect(throttle.check('li.wei', '10.0.0.1', down)).rejects.toThrow('connection terminated');
    }
    expect(await throttle.check('li.wei', '10.0.0.1', () => Promise.resolve(false))).toBe(false);
    expect(await refusal('li.wei', '10.0.0.2')).toBeNull();
    expect((await refusal('li.wei', '10.0.0.2'))?.code).toBe(AccessErrorCode.SignInLocked);
  });

  it('forgets failures older than the window, and all of them on a success', async () => {
    await throttle.begin('li.wei', '10.0.0.1');
    await throttle.begin('li.wei', '10.0.0.1');
    now += 10_001;
    await throttle.begin('li.wei', '10.0.0.2');
    await throttle.begin('li.wei', '10.0.0.2');
    const right = await throttle.begin('li.wei', '10.0.0.2');
    await throttle.succeeded(right);
    await throttle.begin('li.wei', '10.0.0.3');
    await throttle.begin('li.wei', '10.0.0.3');
    expect(await refusal('li.wei', '10.0.0.4')).toBeNull();
  });

  it('counts attempts under way, so parallel guesses cannot all slip in before the first fails', async () => {
    // Nothing settled yet: the fourth at once is refused.
    for (let i = 0; i < 3; i++) await throttle.begin('admin', '10.0.0.1');
    expect((await refusal('admin', '10.0.0.1'))?.code).toBe(AccessErrorCode.SignInLocked);
  });

  it('treats a username that exists and one that does not the same (it never knows which)', async () => {
    for (const name of ['admin', 'nobody.here']) {
      for (let i = 0; i < 3; i++) await throttle.begin(name, `10.0.${i}.9`);
    }
    expect(await refusal('admin', '10.9.0.1')).toEqual(await refusal('nobody.here', '10.9.0.1'));
  });

  it('caps failed attempts per address per window, whatever the usernames, and gives back successes', async () => {
    const ok = await throttle.begin('a', '192.0.2.7');
    await throttle.succeeded(ok);
    for (let i = 0; i < 5; i++) await throttle.begin(`user${i}`, '192.0.2.7');
    expect(await refusal('user9', '192.0.2.7')).toEqual(
      expect.objectContaining({
        code: AccessErrorCode.SignInRateLimited,
        message: 'too many failed sign-ins from this address; try again in 1 s',
      }),
    );
    // Another address, and the same one after the window.
    expect(await refusal('user9', '192.0.2.8')).toBeNull();
    now += 1_000;
    expect(await refusal('user9', '192.0.2.7')).toBeNull();
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped one as IPv4', async () => {
    for (let i = 0; i < 5; i++) await throttle.begin(`u${i}`, `2001:db8:1:2:${i}::1`);
    expect((await refusal('x', '2001:db8:1:2:ffff::9'))?.code).toBe(AccessErrorCode.SignInRateLimited);
    expect(await refusal('x', '2001:db8:1:3::1')).toBeNull();
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('2001:0db8:0:0::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('forgets a lock when told (a new password was set), and bounds what it remembers', async () => {
    for (let i = 0; i < 3; i++) await throttle.begin('li.wei', `10.0.0.${i}`);
    await throttle.forget('li.wei');
    expect(await refusal('li.wei', '10.0.0.9')).toBeNull();
    // Past the bound the oldest usernames are forgotten, not the newest.
    for (let i = 0; i < 3; i++) await throttle.begin('old', `10.1.0.${i}`);
    for (const name of ['n1', 'n2', 'n3', 'n4']) await throttle.begin(name, '10.2.0.1');
    expect(await refusal('old', '10.3.0.1')).toBeNull();
  });

  it('defaults to 5 failures per username in 15 minutes (locked 15 minutes) and 20 per address a minute', async () => {
    expect(LOGIN_THROTTLE_LIMITS).toEqual({
      usernameFailures: 5,
      usernameWindowMs: 900_000,
      usernameLockMs: 900_000,
      addressFailures: 20,
      addressWindowMs: 60_000,
      maxTracked: 50_000,
    });
  });
});
