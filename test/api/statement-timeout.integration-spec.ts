import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { adminApi } from '../support/agreements';
import { bootTestNode, type TestNode } from '../support/test-node';

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
});
