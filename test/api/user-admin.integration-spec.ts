import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AccessClock, Role } from '@regulink/access';
import { UsersService } from '../../libs/access/src/users/users.service';
import { newUser, type TestUser } from '../factories/user.factory';
import { bootTestNode, sql, TEST_ADMIN, type TestNode } from '../support/test-node';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  correlationId: string;
}

interface UserBody {
  id: string;
  username: string;
  roles: string[];
  disabledAt: string | null;
}

/**
 * Signs in from another loopback address (the node counts failed sign-ins per client address), so
 * each throttling test starts from an address with no history.
 */
function signInFrom(
  node: TestNode,
  localAddress: string,
  username: string,
  password: string,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | undefined }> {
  const url = new URL('/auth/token', node.url);
  const payload = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
            retryAfter: res.headers['retry-after'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('managing accounts (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let admin: string;

  beforeAll(async () => {
    node = await bootTestNode();
    admin = await node.adminToken();
  });

  afterAll(async () => {
    await node?.close();
  });

  const patch = (id: string, body: unknown, token = admin) =>
    node.request('PATCH', `/users/${id}`, { token, body });
  const setPassword = (id: string, password: string, token = admin) =>
    node.request('PUT', `/users/${id}/password`, { token, body: { password } });
  const me = async (token: string) => (await node.request('GET', '/auth/me', { token })).status;
  const signIn = (username: string, password: string) =>
    node.request('POST', '/auth/token', { body: { username, password } });
  const userOf = async (id: string): Promise<UserBody> => {
    const all = (await (await node.request('GET', '/users', { token: admin })).json()) as UserBody[];
    return all.find((u) => u.id === id)!;
  };
  const adminId = async () =>
    (
      await sql<{ id: string }>(node, 'SELECT id FROM app_user WHERE username = $1', [TEST_ADMIN.username])
    )[0]!.id;

  describe('roles', () => {
    it("changes an account's roles, taking effect on the next request of a token already issued", async () => {
      const user = await newUser(node, [Role.Officer]);
      expect((await node.request('GET', '/users', { token: user.token })).status).toBe(403);

      const promoted = await patch(user.id, { roles: ['officer', 'admin'] });
      expect(promoted.status).toBe(200);
      expect(await promoted.json()).toMatchObject({
        id: user.id,
        roles: ['officer', 'admin'],
        disabledAt: null,
      });
      expect((await node.request('GET', '/users', { token: user.token })).status).toBe(200);
      expect(await (await node.request('GET', '/auth/me', { token: user.token })).json()).toMatchObject({
        roles: ['officer', 'admin'],
      });

      expect((await patch(user.id, { roles: ['system'] })).status).toBe(200);
      const refused = await node.request('GET', '/users', { token: user.token });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as ErrorBody).code).toBe('FORBIDDEN');
      expect((await userOf(user.id)).roles).toEqual(['system']);
    });

    it('logs who changed what, and never a password', async () => {
      const logged = jest.spyOn(Logger.prototype, 'log');
      try {
        const user = await newUser(node, [Role.Officer]);
        await patch(user.id, { roles: ['system'], disabled: true });
        await setPassword(user.id, 'a brand new password 1');
        expect(logged).toHaveBeenCalledWith(
          {
            userId: user.id,
            username: user.username,
            by: TEST_ADMIN.username,
            changes: { roles: { from: ['officer'], to: ['system'] }, disabled: { from: false, to: true } },
          },
          'changed a user',
        );
        expect(logged).toHaveBeenCalledWith(
          { userId: user.id, username: user.username, by: TEST_ADMIN.username },
          "set a user's password",
        );
        const everything = JSON.stringify(logged.mock.calls);
        expect(everything).not.toContain('a brand new password 1');
        expect(everything).not.toContain(user.password);
      } finally {
        logged.mockRestore();
      }
    });
  });

  describe('disabling', () => {
    it('locks an account out at once, and keeps its earlier tokens ended when it is enabled again', async () => {
      const user = await newUser(node, [Role.Officer]);
      expect(await me(user.token)).toBe(200);

      const disabled = await patch(user.id, { disabled: true });
      expect(disabled.status).toBe(200);
      const body = (await disabled.json()) as UserBody;
      expect(body.disabledAt).toEqual(expect.any(String));

      const refused = await node.request('GET', '/auth/me', { token: user.token });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as ErrorBody).code).toBe('INVALID_TOKEN');
      const signInRefused = await signIn(user.username, user.password);
      expect(signInRefused.status).toBe(401);
      expect(((await signInRefused.json()) as ErrorBody).code).toBe('INVALID_CREDENTIALS');

      // Disabling again changes nothing, not even when it was disabled.
      expect(((await (await patch(user.id, { disabled: true })).json()) as UserBody).disabledAt).toBe(
        body.disabledAt,
      );

      const enabled = await patch(user.id, { disabled: false });
      expect(enabled.status).toBe(200);
      expect(((await enabled.json()) as UserBody).disabledAt).toBeNull();
      expect(await me(user.token)).toBe(401);
      const again = await signIn(user.username, user.password);
      expect(again.status).toBe(200);
      expect(await me(((await again.json()) as { accessToken: string }).accessToken)).toBe(200);
    });
  });

  describe('passwords', () => {
    it('lets an administrator set a new password, ending every token issued before', async () => {
      const user = await newUser(node, [Role.Officer]);
      const second = ((await (await signIn(user.username, user.password)).json()) as { accessToken: string })
        .accessToken;
      const reset = await setPassword(user.id, 'the new password, long');
      expect(reset.status).toBe(204);
      expect(await reset.text()).toBe('');

      expect(await me(user.token)).toBe(401);
      expect(await me(second)).toBe(401);
      expect((await signIn(user.username, user.password)).status).toBe(401);
      const fresh = await signIn(user.username, 'the new password, long');
      expect(fresh.status).toBe(200);
      expect(await me(((await fresh.json()) as { accessToken: string }).accessToken)).toBe(200);
    });

    it('lets a user change their own password with the current one, and hands back a new token', async () => {
      const user = await newUser(node, [Role.Officer]);
      const change = (currentPassword: string, newPassword: string, token = user.token) =>
        node.request('PUT', '/auth/password', { token, body: { currentPassword, newPassword } });

      const wrong = await change('not the password', 'my own new password');
      expect(wrong.status).toBe(403);
      expect(((await wrong.json()) as ErrorBody).code).toBe('CURRENT_PASSWORD_WRONG');
      expect(await me(user.token)).toBe(200);

      const unfit = await change(user.password, `  ${user.username.toUpperCase()}  `.padEnd(14, ' '));
      expect(unfit.status).toBe(400);
      expect(((await unfit.json()) as ErrorBody).code).toBe('PASSWORD_UNFIT');

      const changed = await change(user.password, 'my own new password');
      expect(changed.status).toBe(200);
      const { accessToken } = (await changed.json()) as { accessToken: string };
      expect(await me(user.token)).toBe(401);
      expect(await me(accessToken)).toBe(200);
      expect((await signIn(user.username, user.password)).status).toBe(401);
      expect((await signIn(user.username, 'my own new password')).status).toBe(200);
    });
  });

  describe('refusals', () => {
    it('answers an unknown account with USER_NOT_FOUND', async () => {
      const id = randomUUID();
      for (const response of [
        await patch(id, { disabled: true }),
        await setPassword(id, 'long enough password'),
      ]) {
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ statusCode: 404, code: 'USER_NOT_FOUND' });
      }
    });

    it.each<[string, string, unknown]>([
      ['an id that is not a UUID', 'not-a-uuid', { disabled: true }],
      ['an empty change', '', {}],
      ['an unknown field', '', { disabled: true, password: 'sneaked in here' }],
      ['an unknown role', '', { roles: ['root'] }],
      ['no roles at all', '', { roles: [] }],
      ['a role twice', '', { roles: ['officer', 'officer'] }],
      ['disabled as text', '', { disabled: 'yes' }],
    ])('refuses %s with VALIDATION_FAILED', async (_label, id, body) => {
      const user = id === '' ? await newUser(node, [Role.Officer]) : undefined;
      const response = await patch(user?.id ?? id, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).code).toBe('VALIDATION_FAILED');
      if (user) expect((await userOf(user.id)).roles).toEqual(['officer']);
    });

    it('refuses a new password that is short, only spaces, or the username', async () => {
      const user = await newUser(node, [Role.Officer]);
      for (const [password, code] of [
        ['short', 'VALIDATION_FAILED'],
        [' '.repeat(20), 'VALIDATION_FAILED'],
        [`${user.username.toUpperCase()}`.padEnd(13, ' '), 'PASSWORD_UNFIT'],
      ] as const) {
        const response = await setPassword(user.id, password);
        expect(response.status).toBe(400);
        expect(((await response.json()) as ErrorBody).code).toBe(code);
      }
      expect(await me(user.token)).toBe(200);
    });

    it('lets only administrators manage accounts', async () => {
      const officer = await newUser(node, [Role.Officer, Role.System]);
      for (const response of [
        await patch(officer.id, { roles: ['admin'] }, officer.token),
        await patch(officer.id, { disabled: false }, officer.token),
        await setPassword(officer.id, 'long enough password', officer.token),
      ]) {
        expect(response.status).toBe(403);
        expect(((await response.json()) as ErrorBody).code).toBe('FORBIDDEN');
      }
      expect((await userOf(officer.id)).roles).toEqual(['officer', 'system']);
    });
  });

  describe('the last administrator', () => {
    /** Leaves the bootstrap administrator the only enabled one. */
    async function onlyAdminLeft(): Promise<string> {
      const first = await adminId();
      const all = (await (await node.request('GET', '/users', { token: admin })).json()) as UserBody[];
      for (const u of all) {
        if (u.id !== first && u.disabledAt === null && u.roles.includes('admin')) {
          expect((await patch(u.id, { disabled: true })).status).toBe(200);
        }
      }
      return first;
    }

    it('refuses to disable or demote the only enabled administrator, the caller itself', async () => {
      const first = await onlyAdminLeft();
      for (const change of [
        { disabled: true },
        { roles: ['officer'] },
        { roles: ['officer'], disabled: false },
      ]) {
        const response = await patch(first, change);
        expect(response.status).toBe(409);
        expect(await response.json()).toMatchObject({ statusCode: 409, code: 'LAST_ADMIN' });
      }
      expect(await userOf(first)).toMatchObject({ roles: ['admin'], disabledAt: null });
      expect(await me(admin)).toBe(200);
      // A change that keeps it an enabled administrator is fine.
      expect((await patch(first, { roles: ['admin', 'officer'] })).status).toBe(200);
      expect((await patch(first, { roles: ['admin'] })).status).toBe(200);
    });

    it('lets an administrator step down once another is enabled, then holds the other to the same rule', async () => {
      const first = await onlyAdminLeft();
      const second = await newUser(node, [Role.Admin]);
      expect((await patch(first, { disabled: true })).status).toBe(200);
      expect(await me(admin)).toBe(401);
      const refused = await patch(second.id, { roles: ['officer'] }, second.token);
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as ErrorBody).code).toBe('LAST_ADMIN');
      expect((await patch(first, { disabled: false }, second.token)).status).toBe(200);
      admin = await node.adminToken();
      expect(await me(admin)).toBe(200);
    });

    it('keeps one enabled when two administrators disable each other at the same moment', async () => {
      const first = await onlyAdminLeft();
      const second: TestUser = await newUser(node, [Role.Admin]);
      const [a, b] = await Promise.all([
        patch(second.id, { disabled: true }, admin),
        patch(first, { disabled: true }, second.token),
      ]);
      // One goes through. The other is refused as the last administrator (409) when both were
      // admitted before either committed, or its caller's token is already refused (401: its
      // account was disabled by the one that went through first).
      expect([a.status, b.status].sort()).toContainEqual(200);
      expect([
        [200, 409],
        [200, 401],
      ]).toContainEqual([a.status, b.status].sort());
      const [{ n }] = (await sql<{ n: string }>(
        node,
        `SELECT count(*) AS n FROM app_user WHERE 'admin' = ANY(roles) AND disabled_at IS NULL`,
      )) as [{ n: string }];
      expect(Number(n)).toBe(1);
      // Back to the bootstrap administrator signed in and enabled.
      if (a.status !== 200) {
        expect((await patch(first, { disabled: false }, second.token)).status).toBe(200);
        admin = await node.adminToken();
      }
    });
  });

  describe('sign-in throttling', () => {
    it('locks a username after 5 failed sign-ins, the right password included, as for a username that does not exist', async () => {
      const user = await newUser(node, [Role.Officer]);
      const answers = async (username: string, from: string) => {
        for (let i = 0; i < 5; i++) {
          expect((await signInFrom(node, from, username, `wrong password ${i}`)).status).toBe(401);
        }
        return signInFrom(node, from, username, user.password);
      };
      const known = await answers(user.username, '127.0.0.2');
      const unknown = await answers('nobody.at.all', '127.0.0.3');
      expect(known.status).toBe(429);
      expect(unknown.status).toBe(429);
      // Retry-After says when, the same for both (15 minutes, give or take the seconds the test took).
      expect(Number(known.retryAfter)).toBeGreaterThan(850);
      expect(Math.abs(Number(known.retryAfter) - Number(unknown.retryAfter))).toBeLessThanOrEqual(5);
      const strip = ({ correlationId: _, ...rest }: Record<string, unknown>) => rest;
      expect(strip(known.body)).toEqual({
        statusCode: 429,
        code: 'SIGN_IN_LOCKED',
        message: 'too many failed sign-ins for this username; try again in 900 s',
      });
      expect(strip(unknown.body)).toEqual(strip(known.body));
      // Locked wherever the attempt comes from; other accounts are not held back.
      expect((await signInFrom(node, '127.0.0.4', user.username, user.password)).status).toBe(429);
      expect((await signIn(TEST_ADMIN.username, TEST_ADMIN.password)).status).toBe(200);
    });

    it('checks parallel guesses for one username one at a time, so 64 at once cost 5 password checks', async () => {
      const user = await newUser(node, [Role.Officer]);
      const answers = await Promise.all(
        Array.from({ length: 64 }, (_, i) => signInFrom(node, '127.0.0.5', user.username, `guess ${i}`)),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(59);
    });

    it('lets one user sign in from several workers at once: checked one after another, never locked', async () => {
      const user = await newUser(node, [Role.System]);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => signInFrom(node, '127.0.0.10', user.username, user.password)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    });

    it('caps failed sign-ins from one address at 20 a minute, whatever the usernames', async () => {
      const failures = await Promise.all(
        Array.from({ length: 20 }, (_, i) => signInFrom(node, '127.0.0.6', `spray.${i}`, 'password123')),
      );
      expect(failures.map((f) => f.status)).toEqual(Array(20).fill(401));
      const capped = await signInFrom(node, '127.0.0.6', TEST_ADMIN.username, TEST_ADMIN.password);
      expect(capped.status).toBe(429);
      expect(capped.body).toMatchObject({ code: 'SIGN_IN_RATE_LIMITED' });
      expect(capped.body.message).toMatch(/^too many failed sign-ins from this address; try again in \d+ s$/);
      expect(capped.body.message).toContain(`try again in ${capped.retryAfter} s`);
      // Another address signs in.
      expect((await signInFrom(node, '127.0.0.7', TEST_ADMIN.username, TEST_ADMIN.password)).status).toBe(
        200,
      );
    });

    it('lifts a lock when the lock time has passed, or when an administrator sets a new password', async () => {
      const waited = await newUser(node, [Role.Officer]);
      const reset = await newUser(node, [Role.Officer]);
      for (const user of [waited, reset]) {
        for (let i = 0; i < 5; i++) await signInFrom(node, '127.0.0.8', user.username, `wrong ${i}`);
        expect((await signInFrom(node, '127.0.0.9', user.username, user.password)).status).toBe(429);
      }
      expect((await setPassword(reset.id, 'reset after the lock')).status).toBe(204);
      expect((await signInFrom(node, '127.0.0.9', reset.username, 'reset after the lock')).status).toBe(200);

      const clock = node.app.get(AccessClock);
      const later = jest.spyOn(clock, 'now').mockReturnValue(Date.now() + 15 * 60_000 + 1_000);
      try {
        expect((await signInFrom(node, '127.0.0.9', waited.username, waited.password)).status).toBe(200);
      } finally {
        later.mockRestore();
      }
    });
  });
});

describe('a node never left without an administrator', () => {
  it('makes the configured one administrator again at start when none is left enabled', async () => {
    const node = await bootTestNode();
    try {
      const before = await node.adminToken();
      // Every account disabled, as an operator could in the database.
      await sql(node, 'UPDATE app_user SET disabled_at = now()');
      await node.app.get(UsersService).ensureAdmin();
      const signedIn = await node.request('POST', '/auth/token', { body: TEST_ADMIN });
      expect(signedIn.status).toBe(200);
      const { accessToken } = (await signedIn.json()) as { accessToken: string };
      const me = await node.request('GET', '/auth/me', { token: accessToken });
      expect(await me.json()).toMatchObject({ roles: expect.arrayContaining(['admin']) });
      // What was issued before the restoration ends with it.
      expect((await node.request('GET', '/auth/me', { token: before })).status).toBe(401);
    } finally {
      await node.close();
    }
  });
});

describe('sign-ins behind a reverse proxy', () => {
  /** Twenty failed sign-ins said to come from `client`, then one more from it and one from another. */
  async function afterTwentyFrom(node: TestNode, client: string) {
    const signIn = (forwardedFor: string, username: string, password: string) =>
      node.request('POST', '/auth/token', {
        body: { username, password },
        headers: { 'x-forwarded-for': forwardedFor },
      });
    for (let i = 0; i < 20; i++) await signIn(client, `spray.${i}`, 'password123');
    const same = (await signIn(client, TEST_ADMIN.username, TEST_ADMIN.password)).status;
    const other = (await signIn('198.51.100.9', TEST_ADMIN.username, TEST_ADMIN.password)).status;
    return { same, other };
  }

  it('counts failures per client the trusted proxy names, and ignores the header from anyone else', async () => {
    const trusting = await bootTestNode({ REGULINK_TRUST_PROXY: '127.0.0.1,::1' });
    const plain = await bootTestNode();
    try {
      // Behind the proxy: the client named is refused, another client of the same proxy is not.
      expect(await afterTwentyFrom(trusting, '203.0.113.7')).toEqual({ same: 429, other: 200 });
      // Without it, the header counts for nothing: every request is the connection's own address.
      expect(await afterTwentyFrom(plain, '203.0.113.7')).toEqual({ same: 429, other: 429 });
    } finally {
      await Promise.all([trusting.close(), plain.close()]);
    }
  });
});
