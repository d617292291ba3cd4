import { Role } from '@regulink/access';
import { creditCodeCheckCharacter } from '@regulink/domain';
import { newCreditCode, newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { activeAgreement, adminApi } from '../support/agreements';
import type { ResolveResult } from '../support/resolve';
import { bootNodes, connectAll } from '../support/federation';
import { uploadImport } from '../support/imports';
import type { TestNode } from '../support/test-node';

const A = '330000'; // where the officer works
const B = '370000'; // where the platform reports its shops
const D = '440000'; // where the shop's operator is registered

const WHY = { purpose: 'complaint-handling', caseReference: '杭市监投〔2026〕301号' };

/**
 * What an officer gets when the shop is not reported in the officer's region: the region that
 * holds the report answers with the shop, and the entity behind it comes from its own home region
 * in the same request, which logs the lookup. A code at home in a region with no node here, a
 * code whose check fails and a name that is a legal form alone are each told for what they are.
 */
describe('resolving a shop reported in another region (three real nodes)', () => {
  let a: TestNode;
  let b: TestNode;
  let d: TestNode;
  let officer: TestUser;

  beforeAll(async () => {
    [a, b, d] = (await bootNodes([A, B, D], 'tcp')) as [TestNode, TestNode, TestNode];
    await connectAll([a, b, d]);
    officer = await newUser(a, [Role.Officer]);
    for (const home of [b, d]) {
      const region = home.config.node.region;
      await activeAgreement(a, home, { scopes: [{ scope: 'entity.resolve', from: region, to: A }] });
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close(), d?.close()]);
  });

  const resolve = async (body: Record<string, unknown>) => {
    const response = await a.request('POST', '/resolve', { token: officer.token, body });
    return { status: response.status, json: (await response.json()) as ResolveResult };
  };

  let reportedAtB: string | undefined;

  it('brings the entity behind the shop from its home region in the same request', async () => {
    const entity = newRegisterLine({
      creditCode: newCreditCode('440106'),
      name: '广州天河优选贸易有限公司',
      registeredAddress: '广东省广州市天河区天河路1号',
      divisionCode: '440106',
    });
    const system = await newUser(d, [Role.System]);
    await uploadImport(d, 'entities', registerCsv([entity]), { token: system.token });
    const shop = newShopLine({
      platform: '拼多多',
      operatorCreditCode: entity.creditCode,
      operatorName: entity.name,
      operatingAddress: entity.registeredAddress,
      operatingDivisionCode: '440106',
    });
    const platform = await newUser(b, [Role.System]);
    await uploadImport(b, 'shops', shopReportCsv([shop]), { token: platform.token });
    reportedAtB = shop.shopUrl;

    const { status, json } = await resolve({ shopUrl: shop.shopUrl, ...WHY });
    expect(status).toBe(200);
    const byRegion = new Map(json.answers.map((x) => [x.region, x]));
    expect(byRegion.get(B)).toMatchObject({
      status: 'answered',
      provenance: { signedBy: B, verified: true },
    });
    expect(byRegion.get(B)!.shops).toEqual([expect.objectContaining({ shopId: shop.shopId })]);
    // The second hop: the entity from D, signed by D.
    const home = json.answers.filter((x) => x.region === D && x.entities.length > 0);
    expect(home).toHaveLength(1);
    expect(home[0]).toMatchObject({ status: 'answered', provenance: { signedBy: D, verified: true } });
    expect(home[0]!.entities).toEqual([expect.objectContaining({ creditCode: entity.creditCode })]);
    // D lists the lookup of its entity, with its purpose and case.
    const atD = (
      await adminApi<{ caseReference: string; purpose: string }[]>(
        d,
        'GET',
        `/resolve/lookups?direction=in&creditCode=${entity.creditCode}`,
      )
    ).json;
    expect(atD).toEqual([expect.objectContaining(WHY)]);

    // The platform written otherwise than its report does (the URL still names the shop), and the
    // shop id typed with full-width digits.
    const fullWidth = [...shop.shopId].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    for (const query of [
      { shopUrl: shop.shopUrl, platform: '拼多多网' },
      // The share text an app gives, pasted whole.
      { shopUrl: `【拼多多】${shop.shopUrl}?utm_source=wechat 「${shop.shopName}」点击链接直接打开` },
      { platform: '拼多多', shopId: fullWidth },
    ]) {
      const found = await resolve({ ...query, ...WHY });
      expect(found.json.answers.find((x) => x.region === B)?.shops).toEqual([
        expect.objectContaining({ shopId: shop.shopId }),
      ]);
    }
  }, 60_000);

  it('says a code at home in a region with no node here was not asked, rather than nothing found', async () => {
    const beijing = newCreditCode('110108');
    const { status, json } = await resolve({ creditCode: beijing, ...WHY });
    expect(status).toBe(200);
    expect(json.answers.map((x) => [x.region, x.status, x.code])).toEqual([
      [A, 'answered', null],
      ['110000', 'refused', 'NO_NODE'],
    ]);
  });

  it('warns of a code whose check characters do not add up, and refuses a name that is a legal form alone', async () => {
    const code = newCreditCode('440106');
    const check = creditCodeCheckCharacter(code.slice(0, 17));
    const other = check === '0' ? '1' : '0';
    const typo = `${code.slice(0, 17)}${other}`;
    const { status, json } = await resolve({ creditCode: typo, ...WHY });
    expect(status).toBe(200);
    expect(json.warnings).toEqual([expect.stringContaining(`the last would be ${check}`)]);
    expect((await resolve({ creditCode: code, ...WHY })).json.warnings).toEqual([]);

    // Case references as case files write them, full-width brackets first or inside.
    for (const caseReference of ['〔2026〕浙杭市监案字第118号', '浙市监［2026］12号']) {
      expect((await resolve({ creditCode: code, purpose: WHY.purpose, caseReference })).status).toBe(200);
    }
    // The lookup log is searched by a code written in lower case as a lookup takes it.
    const logged = await a.request('GET', `/resolve/lookups?creditCode=${code.toLowerCase()}`, {
      token: await a.adminToken(),
    });
    expect(logged.status).toBe(200);
    expect(await logged.json()).toEqual(expect.any(Array));

    for (const name of ['有限公司', '有限责任公司', '公司']) {
      const refused = await resolve({ name, ...WHY });
      expect([refused.status, refused.json.code]).toEqual([400, 'RESOLVE_QUERY_INVALID']);
    }
  });

  it('asks a region that did not answer in time once, and names it once', async () => {
    await d.close();
    const { status, json } = await resolve({ shopUrl: reportedAtB!, ...WHY });
    expect(status).toBe(200);
    expect(json.answers.filter((x) => x.region === D).map((x) => x.status)).toEqual(['unreachable']);
    expect(json.missing).toEqual([D]);
    // B still answers with the shop.
    expect(json.answers.find((x) => x.region === B)?.shops).toHaveLength(1);
  });
});
