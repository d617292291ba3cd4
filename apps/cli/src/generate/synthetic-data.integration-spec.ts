import { Role } from '@regulink/access';
import { newUser, type TestUser } from '../../../../test/factories/user.factory';
import { eventually } from '../../../../test/support/federation';
import { uploadImport } from '../../../../test/support/imports';
import { bootTestNode, type TestNode } from '../../../../test/support/test-node';
import {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticData,
  registerCsvText,
  shopReportCsvText,
  type SyntheticData,
} from './synthetic-data';

interface Landed {
  platform: string;
  shopId: string;
  outcome: string;
  abnormal: boolean;
}

/**
 * The generator writes what a real node imports: its own register and the platform's shop report
 * are taken line for line, and the shops at home here land with the outcomes the generator expects.
 */
describe('synthetic data imported into a real node (real PostgreSQL)', () => {
  const REGION = '330000';
  let node: TestNode;
  let system: TestUser;
  let data: SyntheticData;

  beforeAll(async () => {
    data = generateSyntheticData({
      ...DEFAULT_SYNTHETIC_OPTIONS,
      seed: 330,
      shops: 300,
      platformRegion: REGION,
    });
    node = await bootTestNode({ REGULINK_REGION: REGION });
    system = await newUser(node, [Role.System]);
  });

  afterAll(async () => {
    await node?.close();
  });

  it('takes every line of its own register and of the shop report', async () => {
    const register = data.registers[REGION]!;
    const entities = await uploadImport(node, 'entities', registerCsvText(register), { token: system.token });
    expect(entities.status).toBe(201);
    expect(entities.json).toMatchObject({
      state: 'completed',
      accepted: register.length,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      rejections: [],
    });

    const shops = await uploadImport(node, 'shops', shopReportCsvText(data.shops), { token: system.token });
    expect(shops.status).toBe(201);
    expect(shops.json).toMatchObject({
      state: 'completed',
      accepted: 300,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      rejections: [],
    });
  });

  it('lands the shops at home here with the outcomes the generator expects', async () => {
    const local = data.expected.filter((e) => e.homeRegion === REGION);
    expect(local.length).toBeGreaterThan(50);
    const landed = await eventually(async () => {
      const response = await node.request('GET', '/registry/landing?limit=1000', { token: system.token });
      const all = (await response.json()) as Landed[];
      return all.length === local.length ? all : undefined;
    });
    const actual = new Map(landed.map((l) => [`${l.platform} ${l.shopId}`, l]));
    // An unregistered seller is landed by name, which no register entry has: not found.
    const expected = local.map((e) => ({
      shop: `${e.platform} ${e.shopId}`,
      outcome: e.outcome === 'unregistered' ? 'not-found' : e.outcome,
      abnormal: e.abnormal,
    }));
    expect(
      local.map((e) => {
        const l = actual.get(`${e.platform} ${e.shopId}`);
        return { shop: `${e.platform} ${e.shopId}`, outcome: l?.outcome, abnormal: l?.abnormal };
      }),
    ).toEqual(expected);
    // The small sample still holds each kind.
    const kinds = new Set<string>(local.map((e) => e.outcome));
    expect(['matched', 'mismatch', 'not-found', 'unregistered'].filter((k) => !kinds.has(k))).toEqual([]);
    expect(kinds.has('deregistered') || kinds.has('revoked')).toBe(true);
  });

  it('writes the other regions’ registers in the same format: each taken whole', async () => {
    for (const region of DEFAULT_SYNTHETIC_OPTIONS.sellerRegions) {
      const rows = data.registers[region]!;
      const report = await uploadImport(node, 'entities', registerCsvText(rows), { token: system.token });
      expect(report.json).toMatchObject({ state: 'completed', accepted: rows.length, rejected: 0 });
    }
  });
});
