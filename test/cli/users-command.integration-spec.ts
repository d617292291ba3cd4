import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '@regulink/access';
import { run } from '../../apps/cli/src/main';
import { newUser } from '../factories/user.factory';
import { bootTestNode, TEST_ADMIN, type TestNode } from '../support/test-node';

/** `regulink users` against a real node: each subcommand, and how refusals and bad input exit. */
describe('regulink users (real node)', () => {
  let node: TestNode;
  let home: string;
  let token: string;

  beforeAll(async () => {
    node = await bootTestNode();
    home = await mkdtemp(join(tmpdir(), 'regulink-users-cli-'));
    token = await node.adminToken();
  });

  afterAll(async () => {
    await node?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function cli(argv: string[], env: Record<string, string> = {}, answers?: string[]) {
    const logged: string[] = [];
    const errors: string[] = [];
    const code = await run(
      [...argv, '--url', node.url, '--token', token],
      {
        log: (line) => logged.push(line),
        error: (line) => errors.push(line),
        ...(answers ? { prompt: () => Promise.resolve(answers.shift() ?? '') } : {}),
      },
      { REGULINK_CLI_HOME: home, ...env },
    );
    return { code, logged, errors, all: [...logged, ...errors].join('\n') };
  }
  const signIn = async (username: string, password: string) =>
    (await node.request('POST', '/auth/token', { body: { username, password } })).status;

  it('lists the accounts, as a table or as JSON', async () => {
    const user = await newUser(node, [Role.Officer]);
    const table = await cli(['users', 'list']);
    expect(table.code).toBe(0);
    expect(table.logged[0]).toMatch(/^USERNAME\s+ROLES\s+STATE\s+NAME$/);
    expect(table.logged.find((l) => l.startsWith(`${user.username} `))).toMatch(
      /officer\s+enabled\s+Test officer$/,
    );
    const json = await cli(['users', 'list', '--json']);
    expect(JSON.parse(json.logged.join('\n'))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: user.id, username: user.username, disabledAt: null }),
      ]),
    );
  });

  it('disables, enables and changes roles by username', async () => {
    const user = await newUser(node, [Role.Officer]);
    const disabled = await cli(['users', 'disable', user.username]);
    expect(disabled.code).toBe(0);
    expect(disabled.logged[0]).toMatch(new RegExp(`^${user.username}: officer, disabled since \\d{4}-`));
    expect(await signIn(user.username, user.password)).toBe(401);

    expect((await cli(['users', 'enable', user.username])).logged).toEqual([`${user.username}: officer`]);
    expect(await signIn(user.username, user.password)).toBe(200);

    const roles = await cli([
      'users',
      'roles',
      user.username,
      '--role',
      'system',
      '--role',
      'officer',
      '--json',
    ]);
    expect(roles.code).toBe(0);
    expect(JSON.parse(roles.logged.join('\n'))).toMatchObject({ id: user.id, roles: ['system', 'officer'] });
  });

  it('sets a password from REGULINK_NEW_PASSWORD or asked twice, never printing it', async () => {
    const user = await newUser(node, [Role.Officer]);
    const fromEnv = await cli(['users', 'password', user.username], {
      REGULINK_NEW_PASSWORD: 'set from the environment',
    });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.all).not.toContain('set from the environment');
    expect(await signIn(user.username, 'set from the environment')).toBe(200);

    const differ = await cli(['users', 'password', user.username], {}, [
      'asked for twice ok',
      'not the same',
    ]);
    expect(differ.code).toBe(2);
    expect(differ.errors[0]).toBe('the two passwords differ');
    const asked = await cli(['users', 'password', user.username], {}, [
      'asked for twice ok',
      'asked for twice ok',
    ]);
    expect(asked.code).toBe(0);
    expect(asked.all).not.toContain('asked for twice ok');
    expect(await signIn(user.username, 'asked for twice ok')).toBe(200);

    const noTerminal = await cli(['users', 'password', user.username]);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.errors[0]).toBe('no password: set REGULINK_NEW_PASSWORD or run in a terminal');
  });

  it('exits 1 with the node’s code when it refuses or the account is unknown, 2 on a bad role', async () => {
    const lastAdmin = await cli(['users', 'disable', TEST_ADMIN.username]);
    // Other admins may exist from other tests of this file: none are made here.
    expect(lastAdmin.code).toBe(1);
    expect(lastAdmin.errors[0]).toMatch(/^refused by the node: LAST_ADMIN \(HTTP 409\): /);

    const badRole = await cli(['users', 'roles', TEST_ADMIN.username, '--role', 'root']);
    expect(badRole.code).toBe(2);
    expect(badRole.errors[0]).toBe('--role must be one of officer, admin, system, got "root"');
    const noRole = await cli(['users', 'roles', TEST_ADMIN.username]);
    expect(noRole.code).toBe(2);

    const nobody = await cli(['users', 'enable', 'nobody.here']);
    expect(nobody.code).toBe(1);
    expect(nobody.errors[0]).toBe(
      'refused by the node: USER_NOT_FOUND (HTTP 404): no account named nobody.here',
    );
  });
});
