import { Role } from '@regulink/access';
import { newCreditCode, newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv, type ShopReportLine } from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import { activeAgreement, adminApi } from '../support/agreements';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import type { TestNode } from '../support/test-node';

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

  const landing = async (shop: ShopReportLine) =>
    (await adminApi<Landed[]>(province, 'GET', '/registry/landing')).json.find(
      (l) => l.shopId === shop.shopId,
    );

  it("takes the city's result over the province's own once the city's node joins, and marks a changed shop's result outdated", async () => {
    // A Hangzhou company, on the city's register only.
    const company = newRegisterLine({
      creditCode: newCreditCode('330106'),
      name: '杭州西湖一号网络科技有限公司',
      registeredAddress: '浙江省杭州市西湖区文三路1号',
      divisionCode: '330106',
    });
    const citySystem = await newUser(city, [Role.System]);
    await uploadImport(city, 'entities', registerCsv([company]), { token: citySystem.token });

    // The province's platform reports its shop; with no city node yet, the province lands it.
    const shop = newShopLine({
      operatorCreditCode: company.creditCode,
      operatorName: company.name,
      operatingAddress: company.registeredAddress,
      operatingDivisionCode: '330106',
    });
    const system = await newUser(province, [Role.System]);
    await uploadImport(province, 'shops', shopReportCsv([shop]), { token: system.token });
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
