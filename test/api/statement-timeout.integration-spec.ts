import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '@regulink/access';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { adminApi } from '../support/agreements';
import { FEED_LOCKS } from '../../libs/registry/src/sync/feed-lock';
import { newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import { uploadImport } from '../support/imports';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

/**
 * A statement stuck behind a lock someone else holds (a psql session left open, a long
 * maintenance command) fails the request once the statement timeout has passed, with a clear
 * code, instead of holding the request and a pooled connection for as long as the lock lasts.
 */
describe('statement timeout (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let holder: Client;

  beforeAll(async () => {
    node = await bootTestNode({ REGULINK_DATABASE_STATEMENT_TIMEOUT_SECONDS: '1' });
    holder = new Client({ connectionString: node.config.database.url });
    await holder.connect();
  }, 60_000);

  afterAll(async () => {
    await holder?.end();
    await node?.close();
  });

  it("applies the configured timeout to the node's connections", async () => {
    const [setting] = (await node.app.get(DataSource).query('SHOW statement_timeout')) as [
      { statement_timeout: string },
    ];
    expect(setting.statement_timeout).toBe('1s');
  });

  it('answers 503 DATABASE_BUSY while a table is locked, and serves again once it is released', async () => {
    const token = await node.adminToken();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE registry_landing IN ACCESS EXCLUSIVE MODE');
    try {
      const started = Date.now();
      const blocked = await node.request('GET', '/registry/landing', { token });
      expect(blocked.status).toBe(503);
      expect(((await blocked.json()) as { code: string }).code).toBe('DATABASE_BUSY');
      expect(blocked.headers.get('retry-after')).toBe('5');
      // Cancelled by the server after about a second, not held until the lock goes.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect((await adminApi(node, 'GET', '/registry/landing')).status).toBe(200);
  });

  it('fails a landing round stuck behind a lock whole, holding none of its shops as failed', async () => {
    const system = await newUser(node, [Role.System]);
    const entity = newRegisterLine();
    await uploadImport(node, 'entities', registerCsv([entity]), { token: system.token });
    const shops = [1, 2, 3].map(() =>
      newShopLine({
        operatorCreditCode: entity.creditCode,
        operatorName: entity.name,
        operatingAddress: entity.registeredAddress,
      }),
    );
    // Another writer of the landing feed (a large batch of returned results, say) holds its lock.
    await holder.query('SELECT pg_advisory_lock($1)', [FEED_LOCKS.landing]);
    try {
      await uploadImport(node, 'shops', shopReportCsv(shops), { token: system.token });
      await sleep(3_000);
      // Timed out behind the lock: nothing wrong with the shops, none held as failed.
      expect(await sql(node, 'SELECT url FROM registry_landing_failure')).toEqual([]);
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [FEED_LOCKS.landing]);
    }
    const run = await node.request('POST', '/registry/landing/run', { token: system.token });
    expect(await run.json()).toMatchObject({ failed: 0 });
    expect(await sql(node, 'SELECT url FROM registry_landing_failure')).toEqual([]);
    const landed = await sql<{ outcome: string }>(
      node,
      `SELECT l.outcome FROM registry_landing l
         JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url WHERE s.shop_id = ANY($1)`,
      [shops.map((shop) => shop.shopId)],
    );
    expect(landed.map((l) => l.outcome)).toEqual(['matched', 'matched', 'matched']);
  });
});
