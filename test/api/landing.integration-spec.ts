import { Role } from '@regulink/access';
import { Client } from 'pg';
import { newCreditCode, newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import {
  newRegistrationNumber,
  newShopLine,
  newUnregisteredShopLine,
  shopReportCsv,
} from '../factories/shop-report.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import { bootTestNode, restartTestNode, sql, type TestNode } from '../support/test-node';

/** When the results of these shops (by shop id) were landed, and their landing feed positions. */
const RESULT_TIMES = `SELECT l.url, l.landed_at, l.change_seq
  FROM registry_landing l JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url
 WHERE s.shop_id = ANY($1) ORDER BY l.url`;

interface Landed {
  platform: string;
  url: string;
  shopId: string;
  outcome: string;
  creditCode: string | null;
  differing: string[] | null;
  candidates: { creditCode: string; score: number }[] | null;
  abnormal: boolean;
  exemptionGround: string | null;
}

/**
 * The shops reported on this node whose operators are at home in its region are landed (网店落地)
 * on its own register: one result per shop, of each kind, landed again when the shop changes.
 */
describe('landing local shops on the register (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let system: TestUser;

  beforeAll(async () => {
    node = await bootTestNode();
    system = await newUser(node, [Role.System]);
  });

  afterAll(async () => {
    await node?.close();
  });

  const run = async () =>
    (await node.request('POST', '/registry/landing/run', { token: system.token })).json() as Promise<{
      landed: number;
      outcomes: Record<string, number>;
      failed: number;
    }>;
  const list = async (outcome: string) =>
    (await (
      await node.request('GET', `/registry/landing${outcome ? `?outcome=${outcome}` : ''}`, {
        token: system.token,
      })
    ).json()) as Landed[];

  it('gives each local shop its outcome, and lands a shop again only when it changes', async () => {
    const active = newRegisterLine({
      name: '杭州一号网络科技有限公司',
      registeredAddress: '浙江省杭州市西湖区文三路1号',
    });
    const revoked = newRegisterLine({ status: 'revoked', statusChangedOn: '2025-06-01' });
    const abnormal = newRegisterLine({ status: 'abnormal', statusChangedOn: '2025-09-01' });
    const twins = [newRegisterLine({ name: '杭州同名商行' }), newRegisterLine({ name: '杭州同名商行' })];
    const unique = newRegisterLine({
      name: '杭州独一商行',
      registeredAddress: '浙江省杭州市西湖区古墩路8号',
    });
    // Registered as 有限责任公司; a platform writes 有限公司, the same legal form.
    const limited = newRegisterLine({
      name: '杭州两种写法网络科技有限责任公司',
      registeredAddress: '浙江省杭州市西湖区天目山路9号',
    });
    const typoOwner = newRegisterLine({
      name: '杭州错码网络科技有限公司',
      registeredAddress: '浙江省杭州市西湖区学院路5号',
    });
    const closed = newRegisterLine({
      name: '杭州已注销服装店',
      status: 'deregistered',
      statusChangedOn: '2025-03-01',
    });
    const register = await uploadImport(
      node,
      'entities',
      registerCsv([active, revoked, abnormal, ...twins, unique, limited, typoOwner, closed]),
      {
        token: system.token,
      },
    );
    expect(register.json).toMatchObject({ accepted: 9, rejected: 0 });

    const shops = {
      matched: newShopLine({
        operatorCreditCode: active.creditCode,
        operatorName: active.name,
        operatingAddress: active.registeredAddress,
      }),
      mismatch: newShopLine({
        operatorCreditCode: abnormal.creditCode,
        operatorName: '完全不同的网店名称',
        operatingAddress: abnormal.registeredAddress,
      }),
      revoked: newShopLine({ operatorCreditCode: revoked.creditCode }),
      notFound: newShopLine({ operatorCreditCode: newCreditCode('330106') }),
      // A code the register never gave (the platform's typo) for a registered entity's name.
      wrongCode: newShopLine({
        operatorCreditCode: newCreditCode('330106'),
        operatorName: typoOwner.name,
        operatingAddress: typoOwner.registeredAddress,
      }),
      ambiguous: newShopLine({
        operatorCreditCode: '',
        operatorRegistrationNumber: newRegistrationNumber(),
        operatorName: '杭州 同名商行',
      }),
      byName: newShopLine({
        operatorCreditCode: '',
        operatorRegistrationNumber: newRegistrationNumber(),
        operatorName: '杭州独一商行',
        operatingAddress: unique.registeredAddress,
      }),
      byLegalForm: newShopLine({
        operatorCreditCode: '',
        operatorRegistrationNumber: newRegistrationNumber(),
        operatorName: '杭州两种写法网络科技有限公司',
        // Without the province and city: the same place at this province's node.
        operatingAddress: '西湖区天目山路9号',
      }),
      closedByName: newShopLine({
        operatorCreditCode: '',
        operatorRegistrationNumber: newRegistrationNumber(),
        operatorName: closed.name,
      }),
      // A natural person selling exempt from registration: on no register, so not-found.
      exempt: newUnregisteredShopLine(),
      elsewhere: newShopLine({
        operatorCreditCode: newCreditCode('370102'),
        operatingDivisionCode: '370102',
      }),
    };
    const report = await uploadImport(node, 'shops', shopReportCsv(Object.values(shops)), {
      token: system.token,
    });
    expect(report.json).toMatchObject({ accepted: 11, rejected: 0 });

    // The import lands the shops at home here by itself, in the background.
    const landed = await eventually(async () => {
      const all = await list('');
      return all.length === 10 ? all : undefined;
    });
    const tally: Record<string, number> = {};
    for (const l of landed) tally[l.outcome] = (tally[l.outcome] ?? 0) + 1;
    expect(tally).toEqual({
      matched: 3,
      mismatch: 2,
      revoked: 1,
      deregistered: 1,
      'not-found': 2,
      ambiguous: 1,
    });
    const byShop = async (outcome: string) => new Map((await list(outcome)).map((l) => [l.shopId, l]));
    const matched = await byShop('matched');
    expect(matched.get(shops.matched.shopId)).toMatchObject({
      creditCode: active.creditCode,
      abnormal: false,
    });
    expect(matched.get(shops.byName.shopId)).toMatchObject({ creditCode: unique.creditCode });
    expect(matched.get(shops.byLegalForm.shopId)).toMatchObject({ creditCode: limited.creditCode });
    expect((await byShop('deregistered')).get(shops.closedByName.shopId)).toMatchObject({
      creditCode: closed.creditCode,
    });
    expect((await byShop('mismatch')).get(shops.mismatch.shopId)).toMatchObject({
      creditCode: abnormal.creditCode,
      differing: ['name'],
      abnormal: true,
    });
    expect((await byShop('mismatch')).get(shops.wrongCode.shopId)).toMatchObject({
      creditCode: typoOwner.creditCode,
      differing: ['creditCode'],
      abnormal: false,
    });
    expect((await byShop('revoked')).get(shops.revoked.shopId)).toMatchObject({
      creditCode: revoked.creditCode,
    });
    expect((await byShop('not-found')).get(shops.notFound.shopId)).toMatchObject({
      creditCode: null,
      exemptionGround: null,
    });
    // The exempt seller's not-found is told apart from a claimed operator the register lacks.
    expect((await byShop('not-found')).get(shops.exempt.shopId)).toMatchObject({
      exemptionGround: shops.exempt.exemptionGround,
    });
    const registeredOnly = await list('not-found&seller=registered');
    expect(registeredOnly.map((l) => l.shopId)).toEqual([shops.notFound.shopId]);
    expect((await list('not-found&seller=unregistered')).map((l) => l.shopId)).toEqual([shops.exempt.shopId]);
    expect(
      (await byShop('ambiguous'))
        .get(shops.ambiguous.shopId)
        ?.candidates?.map((c) => c.creditCode)
        .sort(),
    ).toEqual(twins.map((t) => t.creditCode).sort());
    // The shop at home in Shandong is not landed here.
    expect([...(await byShop('not-found')).keys()]).not.toContain(shops.elsewhere.shopId);

    // Nothing changed: nothing to land. A later report renames one operator: that shop alone again.
    expect(await run()).toEqual({ landed: 0, outcomes: {}, failed: 0 });
    const renamed = { ...shops.matched, operatorName: '李四网店', reportPeriod: '2026-H2' };
    expect(
      (await uploadImport(node, 'shops', shopReportCsv([renamed]), { token: system.token })).json,
    ).toMatchObject({
      updated: 1,
    });
    await eventually(async () => (await byShop('mismatch')).get(shops.matched.shopId));
    expect((await byShop('mismatch')).get(shops.matched.shopId)).toMatchObject({ differing: ['name'] });
    expect(await run()).toEqual({ landed: 0, outcomes: {}, failed: 0 });
    expect(await list('')).toHaveLength(10);
  });

  it('lands a shop again when the register entry it claims or landed on is registered or changes', async () => {
    // Shops reported before their operators are on the register here: one by code, one by name.
    const byCode = newRegisterLine({
      name: '杭州后登记网络科技有限公司',
      registeredAddress: '浙江省杭州市西湖区西溪路7号',
    });
    const byName = newRegisterLine({
      name: '杭州后登记商行',
      entityType: '个体工商户',
      registeredAddress: '浙江省杭州市西湖区转塘街道3号',
    });
    const codeShop = newShopLine({
      operatorCreditCode: byCode.creditCode,
      operatorName: byCode.name,
      operatingAddress: byCode.registeredAddress,
    });
    const nameShop = newShopLine({
      operatorCreditCode: '',
      operatorRegistrationNumber: newRegistrationNumber(),
      operatorName: '杭州 后登记商行',
      operatingAddress: byName.registeredAddress,
    });
    expect(
      (await uploadImport(node, 'shops', shopReportCsv([codeShop, nameShop]), { token: system.token })).json,
    ).toMatchObject({ accepted: 2 });
    const resultOf = async (shop: { shopId: string }) =>
      (await list('')).find((l) => l.shopId === shop.shopId);
    const landedAs = (shop: { shopId: string }, outcome: string) =>
      eventually(async () => {
        const result = await resultOf(shop);
        return result?.outcome === outcome ? result : undefined;
      }, 15_000);
    await landedAs(codeShop, 'not-found');
    await landedAs(nameShop, 'not-found');

    // The register's next update brings both entities: both shops land on them by themselves.
    const register = (lines: ReturnType<typeof newRegisterLine>[]) =>
      uploadImport(node, 'entities', registerCsv(lines), { token: system.token });
    expect((await register([byCode, byName])).json).toMatchObject({ accepted: 2 });
    expect(await landedAs(codeShop, 'matched')).toMatchObject({ creditCode: byCode.creditCode });
    expect(await landedAs(nameShop, 'matched')).toMatchObject({ creditCode: byName.creditCode });

    // A change landing does not look at (the business scope) leaves the results as they were sent:
    // same landing time, same feed position.
    const before = await sql<{ url: string; landed_at: Date; change_seq: string }>(node, RESULT_TIMES, [
      [codeShop.shopId, nameShop.shopId],
    ]);
    expect(before).toHaveLength(2);
    const rescoped = { ...byCode, businessScope: '网络销售', updatedAt: '2026-03-01T09:00:00+08:00' };
    expect((await register([rescoped])).json).toMatchObject({ updated: 1 });
    expect(await run()).toEqual({ landed: 0, outcomes: {}, failed: 0 });
    expect(await sql(node, RESULT_TIMES, [[codeShop.shopId, nameShop.shopId]])).toEqual(before);

    // The operator is deregistered, the other is put on the abnormal list: their shops say so.
    const deregistered = {
      ...rescoped,
      status: 'deregistered',
      statusChangedOn: '2026-04-01',
      updatedAt: '2026-04-01T09:00:00+08:00',
    };
    const listed = {
      ...byName,
      status: 'abnormal',
      statusChangedOn: '2026-04-02',
      updatedAt: '2026-04-02T09:00:00+08:00',
    };
    expect((await register([deregistered, listed])).json).toMatchObject({ updated: 2 });
    expect(await landedAs(codeShop, 'deregistered')).toMatchObject({ creditCode: byCode.creditCode });
    await eventually(async () => (await resultOf(nameShop))?.abnormal === true || undefined, 15_000);
    expect(await resultOf(nameShop)).toMatchObject({ outcome: 'matched', creditCode: byName.creditCode });
    // Each landed once more, not one round per entry: nothing is left to land.
    expect(await run()).toEqual({ landed: 0, outcomes: {}, failed: 0 });
  });

  it('lands an ambiguous shop again when one of its namesakes is renamed away', async () => {
    const twins = ['文一路10号', '天目山路99号'].map((street) =>
      newRegisterLine({
        name: '杭州改名前同名商行',
        entityType: '个体工商户',
        registeredAddress: `浙江省杭州市西湖区${street}`,
      }),
    );
    await uploadImport(node, 'entities', registerCsv(twins), { token: system.token });
    const shop = newShopLine({
      operatorCreditCode: '',
      operatorRegistrationNumber: newRegistrationNumber(),
      operatorName: '杭州改名前同名商行',
      operatingAddress: '浙江省杭州市西湖区古墩路500号',
    });
    await uploadImport(node, 'shops', shopReportCsv([shop]), { token: system.token });
    const resultOf = async () => (await list('')).find((l) => l.shopId === shop.shopId);
    await eventually(async () => ((await resultOf())?.outcome === 'ambiguous' ? true : undefined));
    // The second one is renamed: the first alone has the name, at another address than the shop's.
    const renamed = { ...twins[1]!, name: '杭州改名后商行', updatedAt: '2026-05-01T09:00:00+08:00' };
    await uploadImport(node, 'entities', registerCsv([renamed]), { token: system.token });
    const after = await eventually(async () => {
      const result = await resultOf();
      return result?.outcome === 'mismatch' ? result : undefined;
    }, 15_000);
    expect(after).toMatchObject({ creditCode: twins[0]!.creditCode, candidates: null });
  });

  it('lands a shop whose operator name grows past any register name when normalized', async () => {
    // ㍿ is 株式会社 once normalized: 60 characters as written, 240 reduced for matching.
    const long = newShopLine({
      operatorCreditCode: '',
      operatorRegistrationNumber: newRegistrationNumber(),
      operatorName: '㍿'.repeat(60),
    });
    const plain = newShopLine({
      operatorCreditCode: '',
      operatorRegistrationNumber: newRegistrationNumber(),
      operatorName: '杭州寻常商行',
    });
    expect(
      (await uploadImport(node, 'shops', shopReportCsv([long, plain]), { token: system.token })).json,
    ).toMatchObject({ accepted: 2 });
    const landed = await eventually(async () => {
      const all = await list('not-found');
      const both = [long, plain].map((shop) => all.find((l) => l.shopId === shop.shopId));
      return both.every(Boolean) ? both : undefined;
    }, 15_000);
    expect(landed).toHaveLength(2);
  });

  it('does not pass over a shop at the next start when a register change lands newer shops first', async () => {
    const entity = newRegisterLine({ name: '杭州游标网络科技有限公司' });
    await uploadImport(node, 'entities', registerCsv([entity]), { token: system.token });
    const first = newShopLine({
      operatorCreditCode: entity.creditCode,
      operatorName: entity.name,
      operatingAddress: entity.registeredAddress,
    });
    await uploadImport(node, 'shops', shopReportCsv([first]), { token: system.token });
    await eventually(async () => (await list('')).find((l) => l.shopId === first.shopId));
    await run();
    // The next round stops at the register (its progress locked) once the entity changes...
    const blocker = new Client({ connectionString: node.config.database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE registry_landing_progress IN ACCESS EXCLUSIVE MODE');
    const listed = {
      ...entity,
      status: 'abnormal',
      statusChangedOn: '2026-04-02',
      updatedAt: '2026-04-02T09:00:00+08:00',
    };
    try {
      await uploadImport(node, 'entities', registerCsv([listed]), { token: system.token });
      await eventually(
        async () =>
          (
            await sql(
              node,
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND query LIKE '%registry_landing_progress%'`,
            )
          ).length > 0 || undefined,
        10_000,
        'the round waiting at the register',
      );
      // ...while two shops commit behind the round's back: one of another operator, then one of the entity's.
      const columns = (
        await sql<{ column_name: string }>(
          node,
          `SELECT column_name FROM information_schema.columns WHERE table_name = 'registry_shop'
              AND column_name NOT IN ('url', 'change_seq', 'shop_id', 'content_hash', 'operator_credit_code')`,
        )
      ).map((c) => c.column_name);
      for (const [suffix, code] of [
        ['other', newCreditCode()],
        ['same', entity.creditCode],
      ] as const) {
        await sql(
          node,
          `INSERT INTO registry_shop (url, shop_id, content_hash, operator_credit_code, ${columns.join(', ')})
           SELECT url || '/${suffix}', shop_id || '${suffix}', left(content_hash, 30) || '${suffix}', $2, ${columns.join(', ')}
             FROM registry_shop WHERE shop_id = $1`,
          [first.shopId, code],
        );
      }
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    const progress = async () =>
      (
        await sql<{ position: string }>(
          node,
          `SELECT position::text FROM registry_landing_progress WHERE feed = 'register'`,
        )
      )[0]!.position;
    const [{ seq }] = await sql<{ seq: string }>(
      node,
      'SELECT max(change_seq)::text AS seq FROM registry_entity',
    );
    await eventually(async () => ((await progress()) === seq ? true : undefined), 10_000, 'the round done');
    // A stop now: at the next start both shops are landed, the other operator's too.
    node = await restartTestNode(node);
    for (const suffix of ['other', 'same']) {
      await eventually(
        async () => (await list('')).find((l) => l.shopId === first.shopId + suffix),
        15_000,
        `the ${suffix} shop landed`,
      );
    }
  });

  it('lands the shops once more at the first start after an upgrade, sending only what changed', async () => {
    // A shop whose operator is looked for by name and not found, landed by an older version:
    // its result has no claimed name, and the landing cursor starts over (as the upgrade leaves it).
    const shop = newShopLine({
      operatorCreditCode: '',
      operatorRegistrationNumber: newRegistrationNumber(),
      operatorName: '杭州升级前商行',
    });
    await uploadImport(node, 'shops', shopReportCsv([shop]), { token: system.token });
    await eventually(async () => (await list('')).find((l) => l.shopId === shop.shopId));
    await sql(node, 'UPDATE registry_landing SET claimed_name_key = NULL, shop_seq = NULL');
    await sql(node, `DELETE FROM registry_landing_progress WHERE feed = 'shop'`);
    const results = `SELECT platform, url, outcome, landed_at, change_seq FROM registry_landing ORDER BY platform, url`;
    const before = await sql(node, results);

    node = await restartTestNode(node);
    const claimed = await eventually(async () => {
      const [row] = await sql<{ claimed_name_key: string | null }>(
        node,
        `SELECT l.claimed_name_key FROM registry_landing l
           JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url WHERE s.shop_id = $1`,
        [shop.shopId],
      );
      return row?.claimed_name_key ?? undefined;
    }, 15_000);
    expect(claimed).toBe('杭州升级前商行');
    // Every result came out as it was: none has a new time or a new feed position.
    expect(await sql(node, results)).toEqual(before);
    // And the operator registered now reaches the shop by its name.
    const operator = newRegisterLine({ name: '杭州升级前商行', entityType: '个体工商户' });
    await uploadImport(node, 'entities', registerCsv([operator]), { token: system.token });
    await eventually(async () => {
      const result = (await list('')).find((l) => l.shopId === shop.shopId);
      return result?.creditCode === operator.creditCode || undefined;
    }, 15_000);
  });

  it('lands the other shops when one cannot be landed, and that one once it can', async () => {
    const entity = newRegisterLine({ registeredAddress: '浙江省杭州市西湖区灵隐路3号' });
    await uploadImport(node, 'entities', registerCsv([entity]), { token: system.token });
    const shops = [1, 2, 3, 4, 5].map((i) =>
      newShopLine({
        operatorCreditCode: entity.creditCode,
        operatorName: entity.name,
        operatingAddress: entity.registeredAddress,
        ...(i === 3 ? { shopUrl: `https://poisoned${newRegistrationNumber()}.mall.example.com/` } : {}),
      }),
    );
    const poisoned = shops[2]!;
    // The result of one shop cannot be saved, whatever the reason (here: the database refuses it).
    await sql(
      node,
      `CREATE FUNCTION test_refuse_landing() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.url LIKE '%poisoned%' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`,
    );
    await sql(
      node,
      `CREATE TRIGGER test_refuse_landing BEFORE INSERT OR UPDATE ON registry_landing
         FOR EACH ROW EXECUTE FUNCTION test_refuse_landing()`,
    );
    const failures = async () =>
      (await node.request('GET', '/registry/landing/failures', { token: system.token })).json() as Promise<
        { shopId: string; reason: string; attempts: number }[]
      >;
    try {
      await uploadImport(node, 'shops', shopReportCsv(shops), { token: system.token });
      // The four others land in the same round; the fifth is held as failed, with its reason.
      const held = await eventually(async () => {
        const listed = await failures();
        return listed.length > 0 ? listed : undefined;
      }, 15_000);
      expect(held).toEqual([expect.objectContaining({ shopId: poisoned.shopId, attempts: 1 })]);
      expect(held[0]!.reason).toContain('refused for the test');
      const results = await list('matched');
      for (const shop of shops) {
        expect(results.some((r) => r.shopId === shop.shopId)).toBe(shop !== poisoned);
      }
      const metrics = await (
        await node.request('GET', '/metrics', { token: await node.adminToken() })
      ).text();
      expect(metrics).toMatch(/^regulink_landing_failures_total [1-9]/m);
      // Not tried again before it is due: a round now lands nothing, and fails nothing.
      expect(await run()).toEqual({ landed: 0, outcomes: {}, failed: 0 });
      // Due, and still refused: tried alone, counted again.
      await sql(node, `UPDATE registry_landing_failure SET last_failed_at = now() - interval '1 minute'`);
      expect(await run()).toEqual({ landed: 0, outcomes: {}, failed: 1 });
      expect(await failures()).toEqual([expect.objectContaining({ shopId: poisoned.shopId, attempts: 2 })]);
    } finally {
      await sql(node, 'DROP TRIGGER test_refuse_landing ON registry_landing');
      await sql(node, 'DROP FUNCTION test_refuse_landing()');
    }
    // Once it can be saved, the shop lands when it is next due, and is no longer held as failed.
    await sql(node, `UPDATE registry_landing_failure SET last_failed_at = now() - interval '2 minutes'`);
    expect(await run()).toEqual({ landed: 1, outcomes: { matched: 1 }, failed: 0 });
    expect((await list('matched')).some((r) => r.shopId === poisoned.shopId)).toBe(true);
    expect(await failures()).toEqual([]);
  });

  it('lets officers read the results but not run the landing', async () => {
    const officer = await newUser(node, [Role.Officer]);
    expect((await node.request('GET', '/registry/landing', { token: officer.token })).status).toBe(200);
    expect((await node.request('POST', '/registry/landing/run', { token: officer.token })).status).toBe(403);
    expect((await node.request('GET', '/registry/landing/failures', { token: officer.token })).status).toBe(
      403,
    );
    expect(
      (await node.request('GET', '/registry/landing?outcome=lost', { token: officer.token })).status,
    ).toBe(400);
    for (const path of ['/registry/landing?limit=0', '/registry/landing/failures?limit=10001']) {
      expect((await node.request('GET', path, { token: system.token })).status).toBe(400);
    }
  });
});
