import { Role } from '@regulink/access';
import { newCreditCode, newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import {
  newResidentId,
  newShopLine,
  newUnregisteredShopLine,
  shopReportCsv,
  type ShopReportLine,
} from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import { activeAgreement, adminApi, agreementInState } from '../support/agreements';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import { ShopRepository } from '../../libs/registry/src/shops/shop.repository';
import { sql, type TestNode } from '../support/test-node';

const PROVINCE = '330000';
const CITY = '330100';

interface Landed {
  shopId: string;
  outcome: string;
  creditCode: string | null;
  differing: string[] | null;
  landedBy: string | null;
  outdated: boolean;
}

/**
 * A company on `home`'s register, and a shop that `reporter`'s platform reports for it with its
 * name, code and registered address.
 */
async function companyWithShop(
  home: TestNode,
  reporter: TestNode,
  company: { division: string; name: string; address: string },
): Promise<{ company: ReturnType<typeof newRegisterLine>; shop: ShopReportLine }> {
  const entity = newRegisterLine({
    creditCode: newCreditCode(company.division),
    name: company.name,
    registeredAddress: company.address,
    divisionCode: company.division,
  });
  const homeSystem = await newUser(home, [Role.System]);
  await uploadImport(home, 'entities', registerCsv([entity]), { token: homeSystem.token });
  const shop = newShopLine({
    operatorCreditCode: entity.creditCode,
    operatorName: entity.name,
    operatingAddress: entity.registeredAddress,
    operatingDivisionCode: company.division,
  });
  const system = await newUser(reporter, [Role.System]);
  await uploadImport(reporter, 'shops', shopReportCsv([shop]), { token: system.token });
  return { company: entity, shop };
}

/**
 * A province's node lands its own platform's shops until the node of one of its cities joins:
 * from then on the city lands the shops at home there, and its results are the ones the province
 * shows. A shop that changes has its result shown as outdated until the new one is in.
 */
describe('landing results when the home of a shop changes (two real nodes)', () => {
  let province: TestNode;
  let city: TestNode;

  beforeAll(async () => {
    [province, city] = (await bootNodes([PROVINCE, CITY], 'tcp')) as [TestNode, TestNode];
  }, 60_000);

  afterAll(async () => {
    await Promise.all([province?.close(), city?.close()]);
  });

  const landing = (shop: ShopReportLine) => resultAt(province, shop);

  it("takes the city's result over the province's own once the city's node joins, and marks a changed shop's result outdated", async () => {
    // A Hangzhou company, on the city's register only; the province's platform reports its shop.
    // With no city node yet, the province lands it.
    const { company, shop } = await companyWithShop(city, province, {
      division: '330106',
      name: '杭州西湖一号网络科技有限公司',
      address: '浙江省杭州市西湖区文三路1号',
    });
    const system = await newUser(province, [Role.System]);
    expect(await eventually(() => landing(shop), 15_000, 'the province landing it')).toMatchObject({
      outcome: 'not-found',
      landedBy: null,
      outdated: false,
    });

    // The city's node joins; the shop is at home there now.
    await connectAll([province, city]);
    const agreement = await activeAgreement(province, city, {
      scopes: [
        { scope: 'shop.sync', from: PROVINCE, to: CITY },
        { scope: 'landing.result', from: CITY, to: PROVINCE },
      ],
    });
    const fromCity = await eventually(
      async () => {
        await adminApi(city, 'POST', '/registry/sync/pull');
        await adminApi(province, 'POST', '/registry/sync/pull');
        const held = await landing(shop);
        return held?.landedBy === CITY ? held : undefined;
      },
      30_000,
      "the city's result at the province",
    );
    expect(fromCity).toMatchObject({ outcome: 'matched', creditCode: company.creditCode, outdated: false });

    // A later report names the operator otherwise; until the city's new result is in (the city
    // holds the agreement suspended meanwhile), the one held is of the record before.
    expect(
      (await adminApi(city, 'POST', `/agreements/${agreement}/suspend`, { reason: 'audit' })).status,
    ).toBe(200);
    await eventually(
      async () =>
        (await adminApi<{ state: string }>(province, 'GET', `/agreements/${agreement}`)).json.state ===
        'suspended'
          ? true
          : undefined,
      15_000,
      'the suspension at the province',
    );
    const renamed = { ...shop, operatorName: '李四网店', reportPeriod: '2026-H2' };
    expect(
      (await uploadImport(province, 'shops', shopReportCsv([renamed]), { token: system.token })).json,
    ).toMatchObject({ updated: 1 });
    expect(await landing(shop)).toMatchObject({ outcome: 'matched', landedBy: CITY, outdated: true });

    await adminApi(city, 'POST', `/agreements/${agreement}/resume`);
    const relanded = await eventually(
      async () => {
        await adminApi(city, 'POST', '/registry/sync/pull');
        await adminApi(province, 'POST', '/registry/sync/pull');
        const held = await landing(shop);
        return held && !held.outdated ? held : undefined;
      },
      30_000,
      "the city's result for the renamed shop",
    );
    expect(relanded).toMatchObject({ outcome: 'mismatch', differing: ['name'], landedBy: CITY });
  }, 120_000);
});

const REPORTER = '330000'; // the platform's region
const JIANGXI = '360000';
const SHANDONG = '370000';

/** The landing result `node` holds for a shop, as its list shows it. */
async function resultAt(node: TestNode, shop: ShopReportLine): Promise<Landed | undefined> {
  return (await adminApi<Landed[]>(node, 'GET', '/registry/landing')).json.find(
    (l) => l.shopId === shop.shopId,
  );
}

/** Shops from the reporting region to `home`, and its landing results back, under one agreement. */
function syncBothWays(reporter: TestNode, home: TestNode): Promise<string> {
  const region = home.config.node.region;
  return activeAgreement(reporter, home, {
    scopes: [
      { scope: 'shop.sync', from: REPORTER, to: region },
      { scope: 'landing.result', from: region, to: REPORTER },
    ],
  });
}

/** The same two exchanges under two agreements, so that each can be held alone. */
async function syncEachWayApart(
  reporter: TestNode,
  home: TestNode,
): Promise<{ shops: string; results: string }> {
  const region = home.config.node.region;
  return {
    shops: await activeAgreement(reporter, home, {
      scopes: [{ scope: 'shop.sync', from: REPORTER, to: region }],
    }),
    results: await activeAgreement(reporter, home, {
      scopes: [{ scope: 'landing.result', from: region, to: REPORTER }],
    }),
  };
}

/** Has the reporting node suspend or resume an agreement, and waits until `partner` holds that state. */
async function holdAgreement(
  reporter: TestNode,
  partner: TestNode,
  agreement: string,
  action: 'suspend' | 'resume',
): Promise<void> {
  const body = action === 'suspend' ? { reason: 'held for the test' } : undefined;
  expect((await adminApi(reporter, 'POST', `/agreements/${agreement}/${action}`, body)).status).toBe(200);
  await agreementInState(partner, agreement, action === 'suspend' ? 'suspended' : 'active');
}

/**
 * A later report may put a shop's operator at home in another region (another operator, or an
 * unregistered seller who moved). The region the shop was sent to lets go of its copy (with the
 * seller's personal data), the new home receives it and lands it, and the reporting node ends with
 * the new home's result. A shop that comes back is sent again.
 */
describe('a shop whose operator is at home in another region after a later report (three real nodes)', () => {
  let reporter: TestNode;
  let jiangxi: TestNode;
  let shandong: TestNode;

  beforeAll(async () => {
    [reporter, jiangxi, shandong] = (await bootNodes([REPORTER, JIANGXI, SHANDONG], 'tcp')) as [
      TestNode,
      TestNode,
      TestNode,
    ];
    await connectAll([reporter, jiangxi, shandong]);
    for (const home of [jiangxi, shandong]) await syncBothWays(reporter, home);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([reporter?.close(), jiangxi?.close(), shandong?.close()]);
  });

  const keyUrl = (line: ShopReportLine) => line.shopUrl.replace(/\/$/, '');
  /** The shop IDs a node holds as received copies, sorted. */
  const heldAt = async (node: TestNode) =>
    (await sql<{ shop_id: string }>(node, 'SELECT shop_id FROM registry_shop WHERE origin IS NOT NULL'))
      .map((r) => r.shop_id)
      .sort();
  const resultsAt = async (node: TestNode) =>
    new Map(
      (await adminApi<Landed[]>(node, 'GET', '/registry/landing')).json.map((l) => [l.shopId, l] as const),
    );
  const pullEverywhere = async () => {
    for (const node of [jiangxi, shandong, reporter]) await adminApi(node, 'POST', '/registry/sync/pull');
  };
  const report = async (lines: ShopReportLine[]) => {
    const system = await newUser(reporter, [Role.System]);
    const response = await uploadImport(reporter, 'shops', shopReportCsv(lines), { token: system.token });
    expect(response.json).toMatchObject({ rejected: 0 });
  };
  /** Waits until the reporting node holds, for each shop, a current result landed by the region given. */
  const resultsFrom = (expected: Record<string, string>, what: string) =>
    eventually(
      async () => {
        await pullEverywhere();
        const results = await resultsAt(reporter);
        const settled = Object.entries(expected).every(
          ([shopId, region]) => results.get(shopId)?.landedBy === region && !results.get(shopId)?.outdated,
        );
        return settled ? results : undefined;
      },
      30_000,
      what,
    );

  it('is let go of by the region it was sent to, and sent to and landed by its new home', async () => {
    const moving = newShopLine({
      operatorCreditCode: newCreditCode('360102', '2'),
      operatorName: '南昌东湖区张三网店',
      operatingAddress: '江西省南昌市东湖区八一大道1号',
      operatingDivisionCode: '360102',
    });
    const person = newUnregisteredShopLine({
      operatorResidentId: newResidentId('360102'),
      operatingAddress: '江西省南昌市东湖区八一大道2号',
      operatingDivisionCode: '360102',
    });
    const staying = newShopLine({
      operatorCreditCode: newCreditCode('360102', '2'),
      operatorName: '南昌东湖区李四网店',
      operatingAddress: '江西省南昌市东湖区八一大道3号',
      operatingDivisionCode: '360102',
    });
    await report([moving, person, staying]);
    await resultsFrom(
      { [moving.shopId]: JIANGXI, [person.shopId]: JIANGXI, [staying.shopId]: JIANGXI },
      "Jiangxi's results",
    );
    expect(await heldAt(jiangxi)).toEqual([moving.shopId, person.shopId, staying.shopId].sort());

    // The next half-year's report: a Shandong business runs the first shop, the seller of the
    // second operates in Jinan now.
    const moved = {
      ...moving,
      operatorCreditCode: newCreditCode('370102', '2'),
      operatorName: '济南历下区王五网店',
      operatingAddress: '山东省济南市历下区泉城路1号',
      operatingDivisionCode: '370102',
      reportPeriod: '2026-H2',
    };
    const personMoved = {
      ...person,
      operatingAddress: '山东省济南市历下区泉城路2号',
      operatingDivisionCode: '370102',
      reportPeriod: '2026-H2',
    };
    await report([moved, personMoved]);
    await resultsFrom({ [moving.shopId]: SHANDONG, [person.shopId]: SHANDONG }, "Shandong's results");
    await eventually(
      async () => ((await heldAt(jiangxi)).length === 1 ? true : undefined),
      15_000,
      'Jiangxi letting go',
    );
    expect(await heldAt(jiangxi)).toEqual([staying.shopId]);
    expect(await heldAt(shandong)).toEqual([moving.shopId, person.shopId].sort());
    // Asked for the evidence of a shop it let go of, Jiangxi says so.
    const evidence = await adminApi<{ code: string; message: string }>(
      jiangxi,
      'GET',
      `/registry/evidence/shop?${new URLSearchParams({ platform: moving.platform, url: moving.shopUrl })}`,
    );
    expect(evidence.status).toBe(404);
    expect(evidence.json).toMatchObject({
      code: 'EVIDENCE_NOT_FOUND',
      message: expect.stringContaining('withdrawn'),
    });
    // Jiangxi's own results for the two are kept, as what it answered then, marked outdated.
    const kept = await sql<{ url: string; outdated: boolean }>(
      jiangxi,
      'SELECT url, outdated FROM registry_landing ORDER BY url',
    );
    expect(Object.fromEntries(kept.map((r) => [r.url, r.outdated]))).toEqual({
      [keyUrl(moving)]: true,
      [keyUrl(person)]: true,
      [keyUrl(staying)]: false,
    });
    // Nothing was refused on the way, anywhere.
    for (const node of [jiangxi, shandong, reporter]) {
      const refused = await sql(node, `SELECT id FROM registry_sync_batch WHERE rejected::text <> '[]'`);
      expect(refused).toEqual([]);
    }

    // A year on, the first shop's operator is a Jiangxi business again.
    const back = {
      ...moving,
      operatorCreditCode: newCreditCode('360102', '2'),
      operatorName: '南昌东湖区赵六网店',
      reportPeriod: '2027-H1',
    };
    await report([back]);
    await resultsFrom({ [moving.shopId]: JIANGXI }, "Jiangxi's result for the shop back");
    await eventually(
      async () => ((await heldAt(shandong)).length === 1 ? true : undefined),
      15_000,
      'Shandong letting go',
    );
    expect(await heldAt(jiangxi)).toEqual([moving.shopId, staying.shopId].sort());
    expect(await heldAt(shandong)).toEqual([person.shopId]);
  }, 120_000);

  it('takes the result as current again when what changed was withheld from the home node', async () => {
    const shop = newShopLine({
      operatorCreditCode: newCreditCode('360102', '2'),
      operatorName: '南昌东湖区周八网店',
      operatingAddress: '江西省南昌市东湖区八一大道21号',
      operatingDivisionCode: '360102',
      contact: '0791-86000001',
    });
    await report([shop]);
    await resultsFrom({ [shop.shopId]: JIANGXI }, "Jiangxi's result");
    // The same half-year again with another contact: the agreement withholds contacts, so Jiangxi
    // is sent the same record and does not land it again; its result is still that record's.
    await report([{ ...shop, contact: '0791-86000002' }]);
    expect((await resultsAt(reporter)).get(shop.shopId)).toMatchObject({ outdated: true });
    const current = await resultsFrom({ [shop.shopId]: JIANGXI }, 'the result current again');
    expect(current.get(shop.shopId)).toMatchObject({ outcome: 'not-found', outdated: false });
  }, 60_000);

  it('reads shops and withdrawals in one snapshot: a report landing between the two reads loses neither', async () => {
    const jx = (name: string, n: number) =>
      newShopLine({
        operatorCreditCode: newCreditCode('360102', '2'),
        operatorName: name,
        operatingAddress: `江西省南昌市东湖区八一大道${n}号`,
        operatingDivisionCode: '360102',
      });
    const leaving = jx('南昌东湖区甲网店', 11);
    await report([leaving]);
    await eventually(
      async () => {
        await adminApi(jiangxi, 'POST', '/registry/sync/pull');
        return (await heldAt(jiangxi)).includes(leaving.shopId) ? true : undefined;
      },
      20_000,
      'Jiangxi holding the shop',
    );
    const before = await heldAt(jiangxi);
    // One report, committed after the feed's shops are read and before its departures are: a new
    // shop at home in Jiangxi, then the first shop's operator a Shandong business (its move takes
    // the later position).
    const newcomer = jx('南昌东湖区乙网店', 12);
    const moved = {
      ...leaving,
      operatorCreditCode: newCreditCode('370102', '2'),
      operatorName: '济南历下区孙七网店',
      operatingAddress: '山东省济南市历下区泉城路7号',
      operatingDivisionCode: '370102',
      reportPeriod: '2026-H2',
    };
    const repository = reporter.app.get(ShopRepository) as unknown as Record<
      'departures',
      (...args: unknown[]) => Promise<unknown>
    >;
    const departures = repository.departures;
    let armed = true;
    repository.departures = async (...args: unknown[]) => {
      if (armed && args[1] === '36') {
        armed = false;
        await report([newcomer, moved]);
      }
      return departures.apply(repository, args);
    };
    try {
      await adminApi(jiangxi, 'POST', '/registry/sync/pull');
      expect(armed).toBe(false);
    } finally {
      repository.departures = departures;
    }
    await eventually(
      async () => {
        await adminApi(jiangxi, 'POST', '/registry/sync/pull');
        const held = await heldAt(jiangxi);
        return held.includes(newcomer.shopId) && !held.includes(leaving.shopId) ? held : undefined;
      },
      20_000,
      'Jiangxi holding the new shop and not the one that left',
    );
    expect(await heldAt(jiangxi)).toEqual(
      [...before.filter((id) => id !== leaving.shopId), newcomer.shopId].sort(),
    );
  }, 120_000);
});

/**
 * A home node's result for a shop may reach the reporting node after a later report changed the
 * shop (the results held back, say, while the shop went on to change): it is kept as outdated, not
 * shown as the current result of the changed shop, until the result of the new record comes.
 */
describe('a landing result arriving after its shop changed (two real nodes)', () => {
  let reporter: TestNode;
  let home: TestNode;

  beforeAll(async () => {
    [reporter, home] = (await bootNodes([REPORTER, JIANGXI], 'tcp')) as [TestNode, TestNode];
    await connectAll([reporter, home]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([reporter?.close(), home?.close()]);
  });

  const landing = (shop: ShopReportLine) => resultAt(reporter, shop);
  it('is kept as outdated, and the result of the new record replaces it', async () => {
    // Shops one way and results the other under two agreements, so that each can be held alone.
    const { shops, results } = await syncEachWayApart(reporter, home);
    await holdAgreement(reporter, home, results, 'suspend');

    const { shop } = await companyWithShop(home, reporter, {
      division: '360102',
      name: '南昌东湖一号商贸有限公司',
      address: '江西省南昌市东湖区八一大道9号',
    });
    const system = await newUser(reporter, [Role.System]);
    // The home node receives and lands it; its result waits.
    await eventually(
      async () => {
        await adminApi(home, 'POST', '/registry/sync/pull');
        const rows = await sql(home, 'SELECT outcome FROM registry_landing');
        return rows.length === 1 ? rows : undefined;
      },
      15_000,
      'the landing at the home node',
    );

    // The shops held now, a later report renames the operator; then the results flow again.
    await holdAgreement(reporter, home, shops, 'suspend');
    const renamed = { ...shop, operatorName: '南昌东湖二号商贸有限公司', reportPeriod: '2026-H2' };
    expect(
      (await uploadImport(reporter, 'shops', shopReportCsv([renamed]), { token: system.token })).json,
    ).toMatchObject({ updated: 1 });
    await holdAgreement(reporter, home, results, 'resume');
    const late = await eventually(
      async () => {
        await adminApi(reporter, 'POST', '/registry/sync/pull');
        return landing(shop);
      },
      15_000,
      'the late result at the reporting node',
    );
    expect(late).toMatchObject({ outcome: 'matched', landedBy: JIANGXI, outdated: true });

    await holdAgreement(reporter, home, shops, 'resume');
    const current = await eventually(
      async () => {
        await adminApi(home, 'POST', '/registry/sync/pull');
        await adminApi(reporter, 'POST', '/registry/sync/pull');
        const held = await landing(shop);
        return held && !held.outdated ? held : undefined;
      },
      30_000,
      "the renamed shop's result",
    );
    expect(current).toMatchObject({ outcome: 'mismatch', differing: ['name'], landedBy: JIANGXI });
  }, 120_000);
});

/**
 * A result from the region a shop has moved away from, sent before that region learnt of the
 * move, is of no use to the reporting node, and no fault of the sender's: passed over, not
 * stored and not counted as refused.
 */
describe('a landing result from a shop’s former home arriving after the move (three real nodes)', () => {
  let reporter: TestNode;
  let jiangxi: TestNode;
  let shandong: TestNode;

  beforeAll(async () => {
    [reporter, jiangxi, shandong] = (await bootNodes([REPORTER, JIANGXI, SHANDONG], 'tcp')) as [
      TestNode,
      TestNode,
      TestNode,
    ];
    await connectAll([reporter, jiangxi, shandong]);
    await syncBothWays(reporter, shandong);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([reporter?.close(), jiangxi?.close(), shandong?.close()]);
  });

  it('passes it over, keeping the new home’s result', async () => {
    // Jiangxi: shops one way and results the other under two agreements, each held in turn.
    const { shops, results } = await syncEachWayApart(reporter, jiangxi);
    await holdAgreement(reporter, jiangxi, results, 'suspend');
    const system = await newUser(reporter, [Role.System]);
    const report = async (lines: ShopReportLine[]) =>
      expect(
        (await uploadImport(reporter, 'shops', shopReportCsv(lines), { token: system.token })).json,
      ).toMatchObject({ rejected: 0 });
    const shop = newShopLine({
      operatorCreditCode: newCreditCode('360102', '2'),
      operatorName: '南昌东湖区吴九网店',
      operatingAddress: '江西省南昌市东湖区八一大道31号',
      operatingDivisionCode: '360102',
    });
    await report([shop]);
    await eventually(
      async () => {
        await adminApi(jiangxi, 'POST', '/registry/sync/pull');
        return (await sql(jiangxi, 'SELECT url FROM registry_landing')).length === 1 ? true : undefined;
      },
      15_000,
      "Jiangxi's landing",
    );
    // Jiangxi hears no more; the shop's operator is a Shandong business now, landed there.
    await holdAgreement(reporter, jiangxi, shops, 'suspend');
    await report([
      {
        ...shop,
        operatorCreditCode: newCreditCode('370102', '2'),
        operatorName: '济南历下区郑十网店',
        operatingAddress: '山东省济南市历下区泉城路31号',
        operatingDivisionCode: '370102',
        reportPeriod: '2026-H2',
      },
    ]);
    const landed = () => resultAt(reporter, shop);
    await eventually(
      async () => {
        await adminApi(shandong, 'POST', '/registry/sync/pull');
        await adminApi(reporter, 'POST', '/registry/sync/pull');
        const held = await landed();
        return held?.landedBy === SHANDONG && !held.outdated ? held : undefined;
      },
      30_000,
      "Shandong's result",
    );

    // Jiangxi's result of the shop as it was comes now.
    await holdAgreement(reporter, jiangxi, results, 'resume');
    await eventually(
      async () => {
        await adminApi(reporter, 'POST', '/registry/sync/pull');
        const batches = await sql(
          reporter,
          `SELECT id FROM registry_sync_batch WHERE direction = 'in' AND kind = 'landing' AND peer = $1`,
          [JIANGXI],
        );
        return batches.length > 0 ? true : undefined;
      },
      15_000,
      "Jiangxi's result at the reporting node",
    );
    expect(
      await sql(reporter, `SELECT id FROM registry_sync_batch WHERE peer = $1 AND rejected::text <> '[]'`, [
        JIANGXI,
      ]),
    ).toEqual([]);
    expect(await landed()).toMatchObject({ landedBy: SHANDONG, outdated: false });
    const metrics = await (
      await reporter.request('GET', '/metrics', { token: await reporter.adminToken() })
    ).text();
    expect(metrics).toMatch(/regulink_sync_records_total\{kind="landing",outcome="passed-over"\} 1/);
  }, 120_000);
});
