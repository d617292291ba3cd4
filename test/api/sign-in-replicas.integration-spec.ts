import { DataSource } from 'typeorm';
import { AccessClock, Role } from '@regulink/access';
import { DatabaseUsernameFailures } from '../../libs/access/src/auth/database-username-failures';
import { LOGIN_THROTTLE_LIMITS } from '../../libs/access/src/auth/login-throttle';
import { newUser } from '../factories/user.factory';
import { bootReplica, bootTestNode, sql, TEST_ADMIN, type TestNode } from '../support/test-node';

/**
 * Two replicas of one node (one database, one key): a password guessed at both counts once, so a
 * username is locked after the same number of failures as at one, at both; a password set by an
 * administrator at either lifts the lock at both.
 */
describe('sign-in lock across replicas of a node (real PostgreSQL)', () => {
  let a: TestNode;
  let b: TestNode;

  beforeAll(async () => {
    a = await bootTestNode();
    b = await bootReplica(a);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const signIn = async (node: TestNode, username: string, password: string) => {
    const response = await node.request('POST', '/auth/token', { body: { username, password } });
    return { status: response.status, code: ((await response.json()) as { code?: string }).code };
  };

  it('locks a username after five failures spread over the replicas, at both, until a new password is set', async () => {
    const officer = await newUser(a, [Role.Officer]);
    for (const node of [a, b, a, b, a]) {
      expect(await signIn(node, officer.username, 'not the password at all')).toMatchObject({
        status: 401,
      });
    }
    for (const node of [a, b]) {
      expect((await signIn(node, officer.username, officer.password)).code).toBe('SIGN_IN_LOCKED');
    }
    // Another username is not held back by it.
    expect((await signIn(b, TEST_ADMIN.username, TEST_ADMIN.password)).status).toBe(200);

    const setAt = await b.request('PUT', `/users/${officer.id}/password`, {
      token: await b.adminToken(),
      body: { password: 'a new long password 42' },
    });
    expect(setAt.status).toBe(204);
    expect((await signIn(a, officer.username, 'a new long password 42')).status).toBe(200);
    expect(
      await sql(a, 'SELECT username FROM auth_sign_in_failure WHERE username = $1', [officer.username]),
    ).toEqual([]);
  });

  it('never writes a name that is not of the form of a username (a password typed in the wrong field)', async () => {
    for (let i = 0; i < 6; i++) await signIn(a, 'Tr0ub4dor&3 my password', 'x');
    expect((await signIn(a, 'Tr0ub4dor&3 my password', 'x')).code).toBe('SIGN_IN_LOCKED');
    expect(
      await sql(a, `SELECT username FROM auth_sign_in_failure WHERE username LIKE 'Tr0ub4dor%'`),
    ).toEqual([]);
  });

  it('gives back one attempt of a moment, not every attempt of that millisecond', async () => {
    const failures = new DatabaseUsernameFailures(a.app.get(DataSource), 100);
    const at = Date.now() + 60 * 60_000;
    for (let i = 0; i < 2; i++) await failures.count('same.moment', at, LOGIN_THROTTLE_LIMITS);
    await failures.giveBack('same.moment', at, LOGIN_THROTTLE_LIMITS);
    const [row] = await sql<{ failures: string[] }>(
      a,
      `SELECT failures FROM auth_sign_in_failure WHERE username = 'same.moment'`,
    );
    expect(row!.failures.map(Number)).toEqual([at]);
    await failures.forget('same.moment');
  });

  it('clears out usernames with nothing left to count, known or not', async () => {
    await signIn(a, 'nobody.here', 'a guess of a password');
    const rows = () => sql(a, `SELECT username FROM auth_sign_in_failure WHERE username = 'nobody.here'`);
    expect(await rows()).toHaveLength(1);
    // Past the window, the next attempt anywhere sweeps it out.
    const later = jest.spyOn(a.app.get(AccessClock), 'now').mockReturnValue(Date.now() + 16 * 60_000);
    try {
      expect((await signIn(a, TEST_ADMIN.username, TEST_ADMIN.password)).status).toBe(200);
    } finally {
      later.mockRestore();
    }
    expect(await rows()).toEqual([]);
  });
});
