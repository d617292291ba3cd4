import { Role } from '@regulink/access';
import { SyncService } from '../../libs/registry/src/sync/sync.service';
import { serialCreditCode } from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import { activeAgreement } from '../support/agreements';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import { bootReplica, sql, type TestNode } from '../support/test-node';

const A = '330000'; // the platform's region
const B = '370000'; // the operators' home, run as two replicas
/** Enough for several batches each time. */
const PER_IMPORT = 4_100;

/**
 * The home node runs as two replicas on one database. Both are asked to pull the same feed at
 * once, again and again: one pulls it while the other asks it to go round once more, so the
 * sender signs each batch once, not once for each replica (one of them thrown away).
 */
describe('pulling one feed from two replicas of a node (real nodes, one database for B)', () => {
  let a: TestNode;
  let b: TestNode;
  let b2: TestNode;

  beforeAll(async () => {
    [a, b] = (await bootNodes([A, B], 'tcp')) as [TestNode, TestNode];
    await connectAll([a, b]);
    b2 = await bootReplica(b);
    await activeAgreement(a, b, {
      scopes: [
        { scope: 'shop.sync', from: A, to: B },
        { scope: 'landing.result', from: B, to: A },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), b2?.close()]);
  });

  const count = async (node: TestNode, query: string, params: unknown[]) =>
    (await sql<{ n: number }>(node, query, params))[0]!.n;

  it('has the sender sign each batch once, every record stored once', async () => {
    const system = await newUser(a, [Role.System]);
    for (let round = 0; round < 2; round++) {
      const lines = Array.from({ length: PER_IMPORT }, (_, i) =>
        newShopLine({ operatorCreditCode: serialCreditCode(round * PER_IMPORT + i, '370102') }),
      );
      expect(
        (await uploadImport(a, 'shops', shopReportCsv(lines), { token: system.token })).json,
      ).toMatchObject({
        accepted: PER_IMPORT,
      });
      await Promise.all([b, b2, b, b2].map((node) => node.app.get(SyncService).pull('shop', A)));
    }
    const total = 2 * PER_IMPORT;
    await eventually(
      async () =>
        (await count(b, 'SELECT count(*)::int AS n FROM registry_shop WHERE origin = $1', [A])) === total ||
        undefined,
      60_000,
      'every shop at B',
    );
    const signedAtA = await count(
      a,
      `SELECT count(*)::int AS n FROM registry_sync_batch WHERE direction = 'out' AND kind = 'shop' AND peer = $1`,
      [B],
    );
    const storedAtB = await count(
      b,
      `SELECT count(*)::int AS n FROM registry_sync_batch WHERE direction = 'in' AND kind = 'shop' AND peer = $1`,
      [A],
    );
    // Batches are as large as an envelope allows (a few hundred of these records each).
    expect(storedAtB).toBeGreaterThan(4);
    expect(signedAtA).toBe(storedAtB);
  }, 120_000);
});
