import { Role } from '@regulink/access';
import { ShopLocator } from '../../libs/registry/src/shops/shop-locator.service';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { uploadImport } from '../support/imports';
import type { ResolveResult } from '../support/resolve';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

const WHY = { purpose: 'case-investigation', caseReference: '杭市监案〔2026〕205号' };

/**
 * An officer looks a shop up by its platform and shop id, or its URL and platform, writing the
 * platform as the officer knows it, not as the platform named itself in its report.
 */
describe('shop lookups by platform (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let officer: TestUser;
  // The same shop id on two platforms: each lookup must find its own platform's shop only.
  const taobao = newShopLine({ platform: '淘宝网', shopId: '57301122' });
  const jd = newShopLine({ platform: '京东商城', shopId: '57301122' });
  const other = newShopLine({ platform: '示例电商平台' });

  beforeAll(async () => {
    node = await bootTestNode({ REGULINK_REGION: '330000' });
    officer = await newUser(node, [Role.Officer]);
    const system = await newUser(node, [Role.System]);
    const report = await uploadImport(node, 'shops', shopReportCsv([taobao, jd, other]), {
      token: system.token,
    });
    expect(report.json).toMatchObject({ accepted: 3, rejected: 0 });
  }, 60_000);

  afterAll(async () => {
    await node?.close();
  });

  const shopsFound = async (query: Record<string, string>) => {
    const response = await node.request('POST', '/resolve', {
      token: officer.token,
      body: { ...query, ...WHY },
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as ResolveResult;
    return result.answers[0]!.shops.map((shop) => `${shop.platform} ${shop.shopId as string}`);
  };

  it.each(['淘宝网', '淘宝', 'Taobao', ' 手机淘宝 ', 'ＴＡＯＢＡＯ'])(
    'finds the Taobao shop by its id with the platform written %p',
    async (platform) => {
      expect(await shopsFound({ platform, shopId: '57301122' })).toEqual(['淘宝网 57301122']);
    },
  );

  it.each(['京东', 'JD', '京东商城'])(
    'finds the JD shop by the same id with the platform written %p',
    async (platform) => {
      expect(await shopsFound({ platform, shopId: '５７３０１１２２' })).toEqual(['京东商城 57301122']);
    },
  );

  it('finds a shop of a platform it has no names for, its name written without the generic ending', async () => {
    expect(await shopsFound({ platform: '示例电商', shopId: other.shopId })).toEqual([
      `示例电商平台 ${other.shopId}`,
    ]);
  });

  it('finds the shop of the platform named among a thousand other platforms with the same id', async () => {
    const system = await newUser(node, [Role.System]);
    const namesakes = Array.from({ length: 1001 }, (_, i) =>
      newShopLine({ platform: `小平台${String(i).padStart(4, '0')}`, shopId: '57301122' }),
    );
    expect(
      (await uploadImport(node, 'shops', shopReportCsv(namesakes), { token: system.token })).json,
    ).toMatchObject({ accepted: 1001 });
    expect(await shopsFound({ platform: '淘宝', shopId: '57301122' })).toEqual(['淘宝网 57301122']);
    expect(await shopsFound({ platform: '小平台1000', shopId: '57301122' })).toEqual(['小平台1000 57301122']);
  });

  it('keeps one shop when a later report writes its platform another way', async () => {
    const system = await newUser(node, [Role.System]);
    const shop = newShopLine({ platform: '淘宝网', reportPeriod: '2026-H1' });
    const report = async (lines: ReturnType<typeof newShopLine>[]) =>
      (await uploadImport(node, 'shops', shopReportCsv(lines), { token: system.token })).json;
    expect(await report([shop])).toMatchObject({ accepted: 1 });
    // The same shop, as the same report written with another name: nothing changes.
    expect(await report([{ ...shop, platform: 'Taobao' }])).toMatchObject({
      accepted: 0,
      updated: 0,
      unchanged: 1,
    });
    // The next period's report under another name replaces it; the shop keeps its name here.
    expect(
      await report([{ ...shop, platform: '淘宝', reportPeriod: '2026-H2', shopName: '新店名' }]),
    ).toMatchObject({
      accepted: 0,
      updated: 1,
    });
    const response = await node.request('POST', '/resolve', {
      token: officer.token,
      body: { shopUrl: shop.shopUrl, platform: 'taobao', ...WHY },
    });
    const [here] = ((await response.json()) as ResolveResult).answers;
    expect(here!.shops.map((s) => [s.platform, s.shopName, s.reportPeriod])).toEqual([
      ['淘宝网', '新店名', '2026-H2'],
    ]);
    // One file naming the shop twice, by two names of its platform: the second line is a duplicate.
    const twice = await report([
      { ...shop, reportPeriod: '2027-H1' },
      { ...shop, platform: '手机淘宝', reportPeriod: '2027-H1' },
    ]);
    expect(twice).toMatchObject({ updated: 1, rejected: 1 });
  });

  it('updates the newest report of a shop already held under two names of its platform', async () => {
    const system = await newUser(node, [Role.System]);
    const shop = newShopLine({ platform: '淘宝网', reportPeriod: '2026-H1' });
    await uploadImport(node, 'shops', shopReportCsv([shop]), { token: system.token });
    // The same shop held a second time, newer, under another name (as imports before kept it).
    const columns = (
      await sql<{ column_name: string }>(
        node,
        `SELECT column_name FROM information_schema.columns
          WHERE table_name = 'registry_shop' AND column_name NOT IN ('platform', 'report_period', 'change_seq')`,
      )
    ).map((c) => c.column_name);
    await sql(
      node,
      `INSERT INTO registry_shop (platform, report_period, ${columns.join(', ')})
       SELECT 'Taobao', '2026-H2', ${columns.join(', ')} FROM registry_shop WHERE shop_id = $1`,
      [shop.shopId],
    );
    const next = { ...shop, platform: '淘宝', reportPeriod: '2027-H1', shopName: '又一个店名' };
    expect(
      (await uploadImport(node, 'shops', shopReportCsv([next]), { token: system.token })).json,
    ).toMatchObject({ updated: 1 });
    expect(
      await sql(
        node,
        'SELECT platform, report_period FROM registry_shop WHERE shop_id = $1 ORDER BY platform',
        [shop.shopId],
      ),
    ).toEqual([
      { platform: 'Taobao', report_period: '2027-H1' },
      { platform: '淘宝网', report_period: '2026-H1' },
    ]);
  });

  it('finds nothing on another platform, or for an id no shop has', async () => {
    expect(await shopsFound({ platform: '拼多多', shopId: '57301122' })).toEqual([]);
    expect(await shopsFound({ platform: '淘宝', shopId: '57301123' })).toEqual([]);
  });

  it("locates a case's shop by the same rules: platform by meaning, id as typed, URL before platform", async () => {
    const locator = node.app.get(ShopLocator);
    const placed = { region: '330000', basis: 'operator-code', evidence: '330106' };
    expect(await locator.shop({ platform: '淘宝', shopId: ' ５７３０１１２２ ' })).toEqual(placed);
    expect(await locator.shop({ platform: 'JD', shopId: '57301122' })).toEqual(placed);
    expect(await locator.shop({ platform: '天猫', url: taobao.shopUrl })).toEqual(placed);
    expect(await locator.shop({ platform: '拼多多', shopId: '57301122' })).toBeUndefined();
  });

  it('narrows a URL by the platform however it is written, and does not let a wrong one hide the shop', async () => {
    expect(await shopsFound({ shopUrl: taobao.shopUrl, platform: 'taobao' })).toEqual(['淘宝网 57301122']);
    expect(await shopsFound({ shopUrl: taobao.shopUrl, platform: '天猫' })).toEqual(['淘宝网 57301122']);
  });
});
