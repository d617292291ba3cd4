import { randomUUID } from 'node:crypto';
import { AgreementDirectory } from '@regulink/agreements';
import { PeersService } from '@regulink/federation';
import { TABLE_CHANGED_CHANNEL, TableWatch } from '@regulink/persistence';
import { eventually } from '../support/federation';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

/**
 * Reads of the watched tables held in memory on a real node, dropped when the table announces a
 * change at commit: a change made behind the node's back (psql, another replica) is seen, one
 * whose notice is switched off is not (the read comes from memory), and while the node is not
 * listening every read goes to the database.
 */
describe('TableWatch (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let directory: AgreementDirectory;
  let id: string;

  beforeAll(async () => {
    node = await bootTestNode({ REGULINK_REGION: '330000' });
    directory = node.app.get(AgreementDirectory);
    id = randomUUID();
    await sql(
      node,
      `INSERT INTO agreement (id, state, parties, terms, document, created_at, updated_at)
       VALUES ($1, 'draft', ARRAY['330000','360000'], '{}', NULL, now(), now())`,
      [id],
    );
  }, 60_000);

  afterAll(async () => {
    await node?.close();
  });

  const parties = async () => (await directory.find(id))?.parties.join(',');
  const setParties = (...regions: string[]) =>
    sql(node, `UPDATE agreement SET parties = $2 WHERE id = $1`, [id, regions]);
  /** Sessions of this node's database listening for changes (other tests' nodes share the server). */
  const listeners = async () =>
    Number(
      (
        await sql<{ n: string }>(
          node,
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'LISTEN ${TABLE_CHANGED_CHANNEL}%'`,
        )
      )[0]!.n,
    );

  /** Once the notices of earlier changes are in, a change that announces nothing is not seen. */
  const heldFromMemory = async () => {
    let round = 0;
    await eventually(
      async () => {
        const before = await parties();
        await setParties('330000', `3${70 + round++}000`);
        return (await parties()) === before ? true : undefined;
      },
      5_000,
      'a read held in memory',
    );
  };

  it('holds a read until the table announces a change, however the change was made', async () => {
    await eventually(
      async () => ((await parties()) === '330000,360000' ? true : undefined),
      5_000,
      'the row',
    );
    // With the table's notice switched off, a change is not seen: the read comes from memory.
    await sql(node, 'ALTER TABLE agreement DISABLE TRIGGER agreement_changed');
    try {
      await heldFromMemory();
    } finally {
      await sql(node, 'ALTER TABLE agreement ENABLE TRIGGER agreement_changed');
    }
    // A change written with psql (no help from the node) announces itself at commit.
    await setParties('330000', '350000');
    await eventually(
      async () => ((await parties()) === '330000,350000' ? true : undefined),
      5_000,
      'the change',
    );
    expect(await directory.between('330000', '350000')).toEqual([expect.objectContaining({ id })]);
    expect(await directory.between('330000', '360000')).toEqual([]);
  });

  it('tells its listeners of a change however it was made, and stops when asked', async () => {
    const watch = node.app.get(TableWatch);
    const heard: string[] = [];
    const stop = watch.onChange('agreement', () => heard.push('agreement'));
    const stopPeers = watch.onChange('federation_peer', () => heard.push('peer'));
    try {
      await setParties('330000', '350000');
      await eventually(async () => heard.includes('agreement') || undefined, 5_000, 'the notice of a change');
      expect(heard).not.toContain('peer');
      heard.length = 0;
      watch.changed('agreement');
      expect(heard).toEqual(['agreement']);
    } finally {
      stop();
      stopPeers();
    }
    watch.changed('agreement');
    expect(heard).toEqual(['agreement']);
  });

  it('refuses an account disabled behind the node’s back on its next request', async () => {
    const admin = await node.adminToken();
    const created = await node.request('POST', '/users', {
      token: admin,
      body: {
        username: 'officer-w',
        displayName: 'Officer W',
        password: 'officer-w-password-1',
        roles: ['officer'],
      },
    });
    expect(created.status).toBe(201);
    const signIn = await node.request('POST', '/auth/token', {
      body: { username: 'officer-w', password: 'officer-w-password-1' },
    });
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    // Twice, so that the second is answered from memory.
    for (let i = 0; i < 2; i++)
      expect((await node.request('GET', '/cases?box=inbox', { token: accessToken })).status).toBe(200);
    await sql(node, `UPDATE app_user SET disabled_at = now() WHERE username = 'officer-w'`);
    await eventually(
      async () =>
        (await node.request('GET', '/cases?box=inbox', { token: accessToken })).status === 401
          ? true
          : undefined,
      2_000,
      'the account refused',
    );
    // The administrator, untouched, still gets in.
    expect((await node.request('GET', '/users', { token: admin })).status).toBe(200);
  });

  it('sees a peer changed behind the node’s back', async () => {
    const peers = node.app.get(PeersService);
    expect(await peers.find('990000')).toBeNull();
    await sql(
      node,
      `INSERT INTO federation_peer (region, name, api_endpoint, federation_endpoint, pinned_keys, card_jws,
                                    allowed, imported_at, imported_by, updated_at)
       VALUES ('990000', 'Test', 'http://127.0.0.1:1', 'tcp://127.0.0.1:1', '[]', 'x', true, now(), 'psql', now())`,
    );
    await eventually(
      async () => ((await peers.find('990000'))?.name === 'Test' ? true : undefined),
      5_000,
      'the peer',
    );
    expect(await peers.regions()).toContain('990000');
    await sql(node, `DELETE FROM federation_peer WHERE region = '990000'`);
    await eventually(
      async () => ((await peers.find('990000')) === null ? true : undefined),
      5_000,
      'the peer gone',
    );
    expect(await peers.regions()).not.toContain('990000');
  });

  it('reads from the database while its listening connection is lost, and listens again', async () => {
    expect(await listeners()).toBe(1);
    await sql(
      node,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN ${TABLE_CHANGED_CHANNEL}%'
          AND pid <> pg_backend_pid()`,
    );
    // Not listening: even a change that announces nothing is read at once.
    await sql(node, 'ALTER TABLE agreement DISABLE TRIGGER agreement_changed');
    try {
      await eventually(
        async () => {
          await setParties('330000', '340000');
          return (await parties()) === '330000,340000' ? true : undefined;
        },
        5_000,
        'a fresh read',
      );
      // Listening again within seconds: memory again.
      await eventually(async () => ((await listeners()) === 1 ? true : undefined), 10_000, 'listening again');
      await heldFromMemory();
    } finally {
      await sql(node, 'ALTER TABLE agreement ENABLE TRIGGER agreement_changed');
    }
  });
});
