import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '@regulink/access';
import { SESSION_LOCKS } from '@regulink/persistence';
import { Client } from 'pg';
import { newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import { bootReplica, bootTestNode, sql, type TestNode } from '../support/test-node';

interface RoundReport {
  landed: number;
  outcomes: Record<string, number>;
  failed: number;
}

/**
 * Sessions of the node's database waiting for a lock on the landing progress (of this database
 * only: the test server holds the databases of tests running beside this one).
 */
const WAITING_ON_PROGRESS = `SELECT count(*)::int AS n FROM pg_stat_activity
  WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%registry_landing_progress%'`;

/**
 * Two replicas of one node on one database: landing rounds run one at a time, whichever replica
 * starts them (two side by side could save a result read before a register change over the one
 * read after it), and a round goes on from where the last one got to, on either replica.
 */
describe('landing across replicas of a node (two real nodes, one PostgreSQL database)', () => {
  let a: TestNode;
  let b: TestNode;
  let system: TestUser;

  beforeAll(async () => {
    a = await bootTestNode();
    system = await newUser(a, [Role.System]);
    b = await bootReplica(a);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const run = async (node: TestNode) => {
    const response = await node.request('POST', '/registry/landing/run', { token: system.token });
    expect(response.status).toBe(200);
    return (await response.json()) as RoundReport;
  };
  const outcomeOf = async (shopId: string) => {
    const [row] = await sql<{ outcome: string }>(
      a,
      `SELECT l.outcome FROM registry_landing l
         JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url WHERE s.shop_id = $1`,
      [shopId],
    );
    return row?.outcome;
  };

  it('runs one landing round at a time, whichever replica starts it', async () => {
    const entity = newRegisterLine();
    await uploadImport(a, 'entities', registerCsv([entity]), { token: system.token });
    const shop = newShopLine({ operatorCreditCode: entity.creditCode, operatorName: entity.name });
    await uploadImport(a, 'shops', shopReportCsv([shop]), { token: system.token });
    await eventually(async () => ((await outcomeOf(shop.shopId)) ? true : undefined), 15_000);

    // A round at A is held up in the middle (the landing progress locked)...
    const blocker = new Client({ connectionString: a.config.database.url });
    await blocker.connect();
    let atA: Promise<RoundReport> | undefined;
    let atB: Promise<RoundReport> | undefined;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE registry_landing_progress IN ACCESS EXCLUSIVE MODE');
      atA = run(a);
      await eventually(
        async () => ((await sql<{ n: number }>(a, WAITING_ON_PROGRESS))[0]!.n === 1 ? true : undefined),
        10_000,
        "A's round under way",
      );
      // ...and B is asked for one: it waits for A's to end, and does not start beside it.
      let bDone = false;
      atB = run(b).finally(() => (bDone = true));
      await sleep(1_500);
      expect((await sql<{ n: number }>(a, WAITING_ON_PROGRESS))[0]!.n).toBe(1);
      expect(bDone).toBe(false);
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    // Both end, each in turn; nothing was left for either to land.
    expect(await atA).toEqual({ landed: 0, outcomes: {}, failed: 0 });
    expect(await atB).toEqual({ landed: 0, outcomes: {}, failed: 0 });
  });

  it("goes on from where the other replica's round got to, not landing its shops again", async () => {
    // B has run a round; A lands three new shops after it.
    await run(b);
    const entity = newRegisterLine();
    await uploadImport(a, 'entities', registerCsv([entity]), { token: system.token });
    const shops = [1, 2, 3].map(() =>
      newShopLine({
        operatorCreditCode: entity.creditCode,
        operatorName: entity.name,
        operatingAddress: entity.registeredAddress,
      }),
    );
    await uploadImport(a, 'shops', shopReportCsv(shops), { token: system.token });
    for (const shop of shops) {
      await eventually(async () => ((await outcomeOf(shop.shopId)) === 'matched' ? true : undefined), 15_000);
    }
    expect(await run(a)).toEqual({ landed: 0, outcomes: {}, failed: 0 });
    // B's next round starts where A's ended: the three are not landed a second time.
    expect(await run(b)).toEqual({ landed: 0, outcomes: {}, failed: 0 });
  });

  it('stops a round whose lock was lost with its connection, rather than land beside another', async () => {
    const entity = newRegisterLine();
    await uploadImport(a, 'entities', registerCsv([entity]), { token: system.token });
    await run(a);
    const shop = newShopLine({
      operatorCreditCode: entity.creditCode,
      operatorName: entity.name,
      operatingAddress: entity.registeredAddress,
    });
    const blocker = new Client({ connectionString: a.config.database.url });
    await blocker.connect();
    try {
      // A's round, started by the import, waits at the landing progress...
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE registry_landing_progress IN ACCESS EXCLUSIVE MODE');
      await uploadImport(a, 'shops', shopReportCsv([shop]), { token: system.token });
      await eventually(
        async () => ((await sql<{ n: number }>(a, WAITING_ON_PROGRESS))[0]!.n === 1 ? true : undefined),
        10_000,
        "A's round under way",
      );
      // ...when the connection holding its lock drops (a firewall cut it, say).
      const [holder] = await sql<{ pid: number }>(
        a,
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((classid::bigint << 32) | objid::bigint) = $1`,
        [SESSION_LOCKS.landing],
      );
      expect(holder).toBeDefined();
      await sql(a, 'SELECT pg_terminate_backend($1)', [holder!.pid]);
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    // The round stops at its next batch: the shop is not landed by it...
    await sleep(1_500);
    expect(await outcomeOf(shop.shopId)).toBeUndefined();
    // ...but by the next one.
    expect(await run(b)).toMatchObject({ landed: 1, outcomes: { matched: 1 } });
  });
});
