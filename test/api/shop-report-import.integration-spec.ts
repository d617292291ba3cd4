import { Role } from '@regulink/access';
import { newCreditCode } from '../factories/market-entity.factory';
import {
  newRegistrationNumber,
  newResidentId,
  newShopLine,
  newUnregisteredShopLine,
  SHOP_REPORT_COLUMNS,
  shopCsvLine,
  shopReportCsv,
  shopReportNdjson,
  type ShopReportLine,
} from '../factories/shop-report.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { uploadImport } from '../support/imports';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

/**
 * A platform of the node's region reports its sellers' shops every half-year: registered and
 * unregistered sellers, one shop however its URL is written, every bad line reported by line and
 * field, re-imports that change nothing, later reports that replace earlier ones.
 */
describe('platform shop report import (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let system: TestUser;

  beforeAll(async () => {
    node = await bootTestNode();
    system = await newUser(node, [Role.System]);
  });

  afterAll(async () => {
    await node?.close();
  });

  const upload = (body: string, contentType = 'text/csv', token = system.token) =>
    uploadImport(node, 'shops', body, { token, contentType });

  /** The stored shops whose shop ids are given, by shop id. */
  async function stored(shopIds: string[]): Promise<Record<string, unknown>[]> {
    return sql(
      node,
      `SELECT platform, url, shop_id, reported_url, operator_credit_code, operator_credit_code_check_failed,
              operator_registration_number, operator_resident_id, exemption_ground, operating_address,
              operating_division_code, report_period, home_division, home_source, content_hash, updated_at
         FROM registry_shop WHERE shop_id = ANY($1::varchar[]) ORDER BY shop_id`,
      [shopIds],
    );
  }

  it('takes registered and unregistered sellers, and a second import of the same report changes nothing', async () => {
    const pilot = `pilot${Date.now()}`;
    const residentId = newResidentId('330106', '19900307').replace(/X$/, 'x');
    const lines = [
      newShopLine({ operatorCreditCode: ` ${newCreditCode('330106', '2').toLowerCase()} ` }),
      newShopLine({ operatorCreditCode: '', operatorRegistrationNumber: newRegistrationNumber() }),
      newShopLine({
        operatorCreditCode: '91350211M0000XUF46',
        shopId: pilot,
        shopUrl: `WWW.Pilot-${pilot}.example.com/?spm=1`,
      }),
      newUnregisteredShopLine({ operatorResidentId: residentId, operatingDivisionCode: '' }),
      newUnregisteredShopLine({ operatingDivisionCode: '370102' }),
    ];
    const first = await upload(shopReportCsv(lines));
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      kind: 'shops',
      state: 'completed',
      accepted: 5,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    const ids = lines.map((l) => l.shopId);
    const before = await stored(ids);
    const row = (l: ShopReportLine) => before.find((r) => r.shop_id === l.shopId)!;
    expect(row(lines[0]!)).toMatchObject({
      platform: '示例电商平台',
      url: `https://shop${lines[0]!.shopId}.mall.example.com`,
      reported_url: lines[0]!.shopUrl,
      operator_credit_code: lines[0]!.operatorCreditCode.trim().toUpperCase(),
      operator_credit_code_check_failed: false,
      operator_registration_number: null,
      // At home where the credit code was issued.
      home_division: '330106',
      home_source: 'credit-code',
      operator_resident_id: null,
      exemption_ground: null,
    });
    expect(row(lines[1]!)).toMatchObject({
      operator_credit_code: null,
      operator_registration_number: lines[1]!.operatorRegistrationNumber,
      home_division: lines[1]!.operatorRegistrationNumber.slice(0, 6),
      home_source: 'registration-number',
    });
    expect(row(lines[2]!)).toMatchObject({
      url: `https://pilot-${pilot}.example.com`,
      operator_credit_code: '91350211M0000XUF46',
      operator_credit_code_check_failed: true,
      home_division: '350211',
      home_source: 'credit-code',
    });
    expect(row(lines[3]!)).toMatchObject({
      operator_credit_code: null,
      operator_resident_id: residentId.toUpperCase(),
      exemption_ground: '销售自产农副产品',
      operating_division_code: null,
      report_period: '2026-H1',
      // Nothing locates this seller: no code, no operating division.
      home_division: null,
      home_source: null,
    });
    expect(row(lines[4]!)).toMatchObject({ home_division: '370102', home_source: 'operating-division' });

    const again = await upload(shopReportCsv(lines));
    expect(again.json).toMatchObject({ accepted: 0, updated: 0, unchanged: 5, rejected: 0 });
    expect(await stored(ids)).toEqual(before);
  });

  it('counts the same shop written three ways in one report once, and reports the other two as duplicates', async () => {
    const shop = newShopLine();
    const host = `shop${shop.shopId}.mall.example.com`;
    const text = shopReportCsv([
      { ...shop, shopUrl: `https://${host}/?b=2&a=1` }, // line 2
      newShopLine(), // 3
      { ...shop, shopUrl: `HTTP://WWW.${host.toUpperCase()}/?a=1&spm=a21.x&b=2#top` }, // 4
      { ...shop, shopUrl: `ｍ．${host}/?utm_source=wechat&b=2&a=1` }, // 5
    ]);
    const report = await upload(text);
    expect(report.json).toMatchObject({ accepted: 2, rejected: 2 });
    expect(report.json.rejections).toEqual([
      { line: 4, field: null, reason: expect.stringMatching(/already on line 2/) },
      { line: 5, field: null, reason: expect.stringMatching(/already on line 2/) },
    ]);
    expect(report.json.rejections[0]!.reason).toContain(`https://${host}?a=1&b=2`);
    const [row] = await stored([shop.shopId]);
    expect(row).toMatchObject({ url: `https://${host}?a=1&b=2`, reported_url: `https://${host}/?b=2&a=1` });
  });

  it('finds a shop repeated in a later batch of the same report', async () => {
    const lines = Array.from({ length: 1200 }, () => newShopLine());
    const first = lines[10]!;
    lines.push({ ...first, shopUrl: first.shopUrl.replace('https://', 'm.').toUpperCase() });
    const report = await upload(shopReportCsv(lines));
    expect(report.json).toMatchObject({ accepted: 1200, rejected: 1 });
    expect(report.json.rejections).toEqual([
      { line: 1202, field: null, reason: expect.stringMatching(/already on line 12$/) },
    ]);
  });

  it('rejects each line that breaks a rule, naming the field, and takes the others', async () => {
    const residentId = newResidentId();
    const wrongCheck = `${residentId.slice(0, 17)}${residentId[17] === '0' ? '1' : '0'}`;
    const registration = newRegistrationNumber();
    const badRegistration = `${registration.slice(0, 14)}${(Number(registration[14]) + 1) % 10}`;
    const hostInHanzi = Array.from({ length: 60 }, (_, i) => String.fromCodePoint(0x4e00 + i * 37)).join('');
    const bad: [Partial<ShopReportLine>, string][] = [
      [{ operatorResidentId: newResidentId() }, 'operatorResidentId'], // code and resident ID
      [{ operatorCreditCode: '' }, 'operatorCreditCode'], // neither
      [{ exemptionGround: '销售自产农副产品' }, 'exemptionGround'], // registered with a ground
      [{ operatorCreditCode: '91330106MA2H2G2X1' }, 'operatorCreditCode'], // malformed code
      [{ operatorCreditCode: '', operatorRegistrationNumber: badRegistration }, 'operatorRegistrationNumber'],
      [{ shopUrl: 'ftp://files.example.com/shop' }, 'shopUrl'],
      [{ shopUrl: '暂无' }, 'shopUrl'],
      [{ operatingDivisionCode: '339999' }, 'operatingDivisionCode'],
      [{ reportPeriod: '2026-H3' }, 'reportPeriod'],
      [{ reportPeriod: '2026-07' }, 'reportPeriod'],
      [{ reportPeriod: '2062-H1' }, 'reportPeriod'],
      [{ shopName: '' }, 'shopName'],
      [{ operatingAddress: '' }, 'operatingAddress'],
      [{ platform: 'p'.repeat(65) }, 'platform'],
      [{ contact: '1'.repeat(101) }, 'contact'],
      // More characters than the column holds once variation selectors are counted, as PostgreSQL does.
      [{ shopName: '店\uFE0F'.repeat(150) }, 'shopName'],
      // A host in Chinese is written in Punycode once normalized: longer than the 2,000 characters of a URL.
      [{ shopUrl: `https://${hostInHanzi}.example.com/${'a'.repeat(1880)}` }, 'shopUrl'],
    ];
    const badUnregistered: [Partial<ShopReportLine>, string][] = [
      [{ exemptionGround: '' }, 'exemptionGround'],
      [{ operatorResidentId: wrongCheck }, 'operatorResidentId'],
      [{ operatorResidentId: '33010619880512' }, 'operatorResidentId'],
    ];
    const good = [newShopLine(), newUnregisteredShopLine()];
    const badLines = [
      ...bad.map(([o]) => newShopLine(o)),
      ...badUnregistered.map(([o]) => newUnregisteredShopLine(o)),
    ];
    const fields = [...bad, ...badUnregistered].map(([, field]) => field);
    const text = shopReportCsv([good[0]!, ...badLines, good[1]!]);

    const report = await upload(text);
    expect(report.status).toBe(201);
    expect(report.json).toMatchObject({ accepted: 2, rejected: badLines.length });
    expect(report.json.rejections.map(({ line, field }) => ({ line, field }))).toEqual(
      fields.map((field, i) => ({ line: i + 3, field })),
    );
    for (const { reason } of report.json.rejections) {
      expect(reason).not.toContain(wrongCheck);
      expect(reason).not.toContain(residentId);
    }
    expect((await stored(badLines.map((l) => l.shopId))).length).toBe(0);
    expect((await stored(good.map((l) => l.shopId))).length).toBe(2);
  });

  it('lets a later half-year’s report replace an earlier one, never the reverse (NDJSON)', async () => {
    const shop = newShopLine({ reportPeriod: '2026-H1' });
    const send = async (l: ShopReportLine) =>
      (await upload(shopReportNdjson([l]), 'application/x-ndjson')).json;
    expect(await send(shop)).toMatchObject({ accepted: 1 });
    const later = {
      ...shop,
      shopUrl: shop.shopUrl.replace('https://', 'http://www.'),
      operatingAddress: '浙江省杭州市滨江区新地址8号',
      operatingDivisionCode: '330108',
      reportPeriod: '2026-H2',
    };
    expect(await send(later)).toMatchObject({ accepted: 0, updated: 1, unchanged: 0 });
    const earlier = { ...shop, operatingAddress: '浙江省杭州市上城区旧地址1号', reportPeriod: '2025-H2' };
    expect(await send(earlier)).toMatchObject({ accepted: 0, updated: 0, unchanged: 0, older: 1 });
    // The very report held, sent again: unchanged, not older.
    expect(await send(later)).toMatchObject({ updated: 0, unchanged: 1, older: 0 });
    const samePeriod = { ...later, contact: '13800000000' };
    expect(await send(samePeriod)).toMatchObject({ updated: 1 });
    const [row] = await sql(
      node,
      'SELECT operating_address, operating_division_code, report_period, contact FROM registry_shop WHERE shop_id = $1',
      [shop.shopId],
    );
    expect(row).toEqual({
      operating_address: '浙江省杭州市滨江区新地址8号',
      operating_division_code: '330108',
      report_period: '2026-H2',
      contact: '13800000000',
    });
  });

  it('is open to the system role only, and refuses a file whose header is not a shop report’s', async () => {
    const officer = await newUser(node, [Role.Officer]);
    expect((await upload(shopReportCsv([newShopLine()]), 'text/csv', officer.token)).status).toBe(403);
    const line = newShopLine();
    const refused = await upload(
      `${SHOP_REPORT_COLUMNS.join(',')},colour\n${shopCsvLine(line).trimEnd()},red\n`,
    );
    expect(refused.status).toBe(400);
    expect(refused.json.message).toMatch(/colour/);
    expect(await stored([line.shopId])).toEqual([]);
    expect(refused.json.code).toBe('IMPORT_FILE_INVALID');
  });
});
