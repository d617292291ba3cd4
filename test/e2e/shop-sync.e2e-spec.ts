import { Role } from '@regulink/access';
import { isMaskedPersonalValue, isKeyedHash } from '@regulink/domain';
import { generateKeyPair } from 'jose';
import {
  EvidenceError,
  signNodeCard,
  toPublicSigningJwk,
  verifyEvidenceBundle,
  type EvidenceBundle,
  type SignedNodeCard,
} from '@regulink/protocol';
import { newCreditCode, newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import {
  newRegistrationNumber,
  newResidentId,
  newShopLine,
  newUnregisteredShopLine,
  shopReportCsv,
  type ShopReportLine,
} from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import { activeAgreement, adminApi, agreementInState, type AgreementView } from '../support/agreements';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import { sql, type TestNode } from '../support/test-node';

const A = '330000'; // the platform's region, where the shop report arrives
const B = '370000';
const C = '350000';
const D = '440000';

interface Landed {
  platform: string;
  url: string;
  shopId: string;
  outcome: string;
  creditCode: string | null;
  differing: string[] | null;
  candidates: { creditCode: string; score: number }[] | null;
  landedBy: string | null;
  reportedBy: string | null;
  batchId: string | null;
}

/** The URL a node keys a reported shop by (the factories write it already normalized, with a slash). */
const keyUrl = (line: ShopReportLine) => line.shopUrl.replace(/\/$/, '');

/**
 * The main bulk flow across four real nodes over TCP: the platform region's node imports a shop
 * report whose operators are at home in three other regions; each home node pulls exactly its own
 * shops as signed batches, lands them on its register and returns signed landing results, which
 * the reporting node keeps with their proofs. Evidence of any one record verifies offline; a
 * record altered in a database no longer does.
 */
describe('shop records to their home regions and landing results back (four real nodes)', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  let d: TestNode;

  beforeAll(async () => {
    [a, b, c, d] = (await bootNodes([A, B, C, D], 'tcp')) as [TestNode, TestNode, TestNode, TestNode];
    await connectAll([a, b, c, d]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close(), d?.close()]);
  });

  /** An agreement between A and `home`: shops go A -> home, landing results come back. */
  const agree = (home: TestNode, fieldPolicy: Record<string, string>) => {
    const region = home.config.node.region;
    return activeAgreement(a, home, {
      scopes: [
        { scope: 'shop.sync', from: A, to: region },
        { scope: 'landing.result', from: region, to: A },
      ],
      fieldPolicy,
    });
  };

  async function registerAt(node: TestNode, lines: ReturnType<typeof newRegisterLine>[]): Promise<void> {
    const system = await newUser(node, [Role.System]);
    const report = await uploadImport(node, 'entities', registerCsv(lines), { token: system.token });
    expect(report.json).toMatchObject({ accepted: lines.length, rejected: 0 });
  }

  const landedAt = async (node: TestNode) =>
    (await adminApi<Landed[]>(node, 'GET', '/registry/landing')).json;
  const evidence = async (node: TestNode, kind: 'shop' | 'landing', line: ShopReportLine) => {
    const query = new URLSearchParams({ platform: line.platform, url: keyUrl(line) });
    const response = await adminApi<EvidenceBundle>(node, 'GET', `/registry/evidence/${kind}?${query}`);
    expect(response.status).toBe(200);
    return response.json;
  };
  const problemOf = async (bundle: EvidenceBundle) =>
    verifyEvidenceBundle(bundle).then(
      () => 'verifies',
      (error: unknown) => (error instanceof EvidenceError ? error.problem : `threw ${String(error)}`),
    );

  it('routes, lands and returns every shop exactly once, with proofs that hold offline', async () => {
    await agree(b, {});
    await agree(c, { personName: 'clear' });
    // The agreement lets resident IDs cross in clear; bulk sync still sends them as keyed hashes only.
    await agree(d, { personName: 'mask', residentId: 'clear', phone: 'omit' });

    // Each home region's register.
    const matched = newRegisterLine({
      creditCode: newCreditCode('370102'),
      name: '济南一号网络科技有限公司',
      registeredAddress: '山东省济南市历下区泉城路1号',
      divisionCode: '370102',
    });
    const renamed = newRegisterLine({ creditCode: newCreditCode('370102'), divisionCode: '370102' });
    const closed = newRegisterLine({
      creditCode: newCreditCode('370102'),
      divisionCode: '370102',
      status: 'deregistered',
      statusChangedOn: '2025-03-01',
    });
    await registerAt(b, [matched, renamed, closed]);
    const revoked = newRegisterLine({
      creditCode: newCreditCode('350102'),
      divisionCode: '350102',
      status: 'revoked',
      statusChangedOn: '2025-06-01',
    });
    const twins = [1, 2].map(() =>
      newRegisterLine({ creditCode: newCreditCode('350102'), divisionCode: '350102', name: '福州同名商行' }),
    );
    await registerAt(c, [revoked, ...twins]);

    // The platform's report: shops at home in B, C and D, and one at home in A itself.
    const shops = {
      matched: newShopLine({
        operatorCreditCode: matched.creditCode,
        operatorName: matched.name,
        operatingAddress: matched.registeredAddress,
      }),
      mismatch: newShopLine({
        operatorCreditCode: renamed.creditCode,
        operatorName: '完全不同的网店名称',
        operatingAddress: renamed.registeredAddress,
      }),
      deregistered: newShopLine({ operatorCreditCode: closed.creditCode }),
      revoked: newShopLine({ operatorCreditCode: revoked.creditCode }),
      ambiguous: newShopLine({
        operatorCreditCode: '',
        operatorRegistrationNumber: newRegistrationNumber('350102'),
        operatorName: '福州同名商行',
        operatingAddress: twins[0]!.registeredAddress,
      }),
      notFound: newShopLine({ operatorCreditCode: newCreditCode('440106') }),
      person: newUnregisteredShopLine({
        operatorName: '赵六',
        operatorResidentId: newResidentId('440106'),
        operatingDivisionCode: '440106',
        operatingAddress: '广东省广州市天河区体育西路1号',
      }),
      local: newShopLine(),
    };
    const home: Record<keyof typeof shops, string> = {
      matched: B,
      mismatch: B,
      deregistered: B,
      revoked: C,
      ambiguous: C,
      notFound: D,
      person: D,
      local: A,
    };
    const system = await newUser(a, [Role.System]);
    const file = shopReportCsv(Object.values(shops));
    const report = await uploadImport(a, 'shops', file, { token: system.token });
    expect(report.json).toMatchObject({ accepted: 8, rejected: 0 });

    // The reporting node ends with one result per remote shop, each returned by the shop's home.
    const remote = Object.keys(shops).filter((k) => home[k as keyof typeof shops] !== A);
    const results = await eventually(
      async () => {
        const landed = (await landedAt(a)).filter((l) => l.landedBy !== null);
        return landed.length === remote.length ? landed : undefined;
      },
      30_000,
      'every landing result back at the reporting node',
    );
    const resultOf = (name: keyof typeof shops) => {
      const found = results.filter((r) => r.shopId === shops[name].shopId);
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    for (const name of remote as (keyof typeof shops)[]) {
      expect(resultOf(name)).toMatchObject({ landedBy: home[name], reportedBy: null });
      expect(resultOf(name).batchId).toEqual(expect.any(String));
    }
    expect(resultOf('matched')).toMatchObject({ outcome: 'matched', creditCode: matched.creditCode });
    expect(resultOf('mismatch')).toMatchObject({ outcome: 'mismatch', differing: ['name'] });
    expect(resultOf('deregistered')).toMatchObject({
      outcome: 'deregistered',
      creditCode: closed.creditCode,
    });
    expect(resultOf('revoked')).toMatchObject({ outcome: 'revoked', creditCode: revoked.creditCode });
    expect(resultOf('ambiguous').outcome).toBe('ambiguous');
    expect(
      resultOf('ambiguous')
        .candidates!.map((x) => x.creditCode)
        .sort(),
    ).toEqual(twins.map((t) => t.creditCode).sort());
    expect(resultOf('notFound').outcome).toBe('not-found');
    expect(resultOf('person').outcome).toBe('not-found');
    // The shop at home in A is landed by A itself and goes nowhere.
    const local = (await landedAt(a)).find((l) => l.shopId === shops.local.shopId);
    expect(local).toMatchObject({ landedBy: null, outcome: 'not-found' });

    // Both sides keep the results and list them by outcome: the home node as landed here for A.
    const atB = await landedAt(b);
    expect(atB.map((l) => l.shopId).sort()).toEqual(
      [shops.matched, shops.mismatch, shops.deregistered].map((l) => l.shopId).sort(),
    );
    expect(atB.every((l) => l.reportedBy === A && l.landedBy === null)).toBe(true);
    const revokedAtA = (await adminApi<Landed[]>(a, 'GET', '/registry/landing?outcome=revoked')).json;
    expect(revokedAtA.map((l) => l.shopId)).toEqual([shops.revoked.shopId]);

    // Each home node holds exactly its own shops, each once, from A.
    const held = async (node: TestNode) =>
      (
        await sql<{ shop_id: string; origin: string }>(
          node,
          'SELECT shop_id, origin FROM registry_shop ORDER BY shop_id',
        )
      ).map((r) => `${r.origin}:${r.shop_id}`);
    const expected = (region: string) =>
      (Object.keys(shops) as (keyof typeof shops)[])
        .filter((k) => home[k] === region)
        .map((k) => `${A}:${shops[k].shopId}`)
        .sort();
    expect(await held(b)).toEqual(expected(B));
    expect(await held(c)).toEqual(expected(C));
    expect(await held(d)).toEqual(expected(D));
    // The copies B received go nowhere from B: its routes list only what is reported there (nothing).
    expect((await adminApi(b, 'GET', '/registry/shops/routes')).json).toEqual([]);
    // The sum of the batches received equals the records held: nothing was delivered twice.
    for (const node of [b, c, d]) {
      const [sums] = await sql<{ records: string; shops: string }>(
        node,
        `SELECT (SELECT coalesce(sum(size), 0) FROM registry_sync_batch WHERE direction = 'in') AS records,
                (SELECT count(*) FROM registry_shop WHERE origin IS NOT NULL) AS shops`,
      );
      expect(Number(sums!.records)).toBe(Number(sums!.shops));
    }

    // Personal data crossed as each agreement's field policy says: D got the name masked, the
    // resident ID as a keyed hash, no phone and no address; A keeps them in clear.
    const [person] = await sql<{
      operator_name: string;
      operator_resident_id: string;
      contact: string | null;
      operating_address: string;
    }>(
      d,
      'SELECT operator_name, operator_resident_id, contact, operating_address FROM registry_shop WHERE shop_id = $1',
      [shops.person.shopId],
    );
    expect(isMaskedPersonalValue('personName', person!.operator_name)).toBe(true);
    expect(person!.operator_name).not.toBe(shops.person.operatorName);
    expect(isKeyedHash(person!.operator_resident_id)).toBe(true);
    expect(person!.contact).toBeNull();
    // An unregistered seller's address is personal too, and this agreement does not let it cross.
    expect(person!.operating_address).toBe('');
    const [atSource] = await sql<{ operator_resident_id: string }>(
      a,
      'SELECT operator_resident_id FROM registry_shop WHERE shop_id = $1',
      [shops.person.shopId],
    );
    expect(atSource!.operator_resident_id).toBe(shops.person.operatorResidentId);

    // Evidence of a synced shop (at its home) and of a returned result (at the reporting node)
    // verifies offline, from the bundle alone.
    const shopEvidence = await evidence(d, 'shop', shops.person);
    const verified = await verifyEvidenceBundle(shopEvidence);
    expect(verified.batch).toMatchObject({ from: A, to: D });
    expect(verified.record).toMatchObject({ shopId: shops.person.shopId, reportedBy: A });
    // Asked for with the URL written another way (as a report could), the node finds the same shop.
    const otherwise = `${shops.person.shopUrl.toUpperCase().replace('HTTPS://', 'http://www.')}?spm=a1z10`;
    expect(otherwise).not.toBe(keyUrl(shops.person));
    const otherQuery = new URLSearchParams({ platform: shops.person.platform, url: otherwise });
    const found = await adminApi<EvidenceBundle>(d, 'GET', `/registry/evidence/shop?${otherQuery}`);
    expect([found.status, found.json.record]).toEqual([200, shopEvidence.record]);
    const resultEvidence = await evidence(a, 'landing', shops.matched);
    expect((await verifyEvidenceBundle(resultEvidence)).record).toMatchObject({
      outcome: 'matched',
      landedBy: B,
    });
    // The platform written another way than the report wrote it names the same shop too.
    expect(await evidence(d, 'shop', { ...shops.person, platform: ' 示例电商 ' })).toEqual({
      ...shopEvidence,
      exportedAt: expect.any(String),
    });
    expect(await evidence(a, 'landing', { ...shops.matched, platform: '示例电商App' })).toEqual({
      ...resultEvidence,
      exportedAt: expect.any(String),
    });

    // A record altered in the home node's database no longer verifies; its neighbours still do.
    await sql(
      b,
      `UPDATE registry_shop SET record = jsonb_set(record, '{shopName}', '"改过的店名"') WHERE shop_id = $1`,
      [shops.matched.shopId],
    );
    // The node checks what it would hand out: it refuses the file, and says why.
    const query = new URLSearchParams({ platform: shops.matched.platform, url: keyUrl(shops.matched) });
    const unverifiable = await adminApi<{ code: string; message: string }>(
      b,
      'GET',
      `/registry/evidence/shop?${query}`,
    );
    expect(unverifiable.status).toBe(409);
    expect(unverifiable.json.code).toBe('EVIDENCE_UNVERIFIABLE');
    expect(unverifiable.json.message).toMatch(/\(inclusion: /);
    expect(await problemOf(await evidence(b, 'shop', shops.mismatch))).toBe('verifies');
    expect(await problemOf(await evidence(b, 'shop', shops.deregistered))).toBe('verifies');

    // Importing the same report again changes nothing anywhere.
    const batches = async (node: TestNode) =>
      Number((await sql<{ n: string }>(node, 'SELECT count(*) AS n FROM registry_sync_batch'))[0]!.n);
    const before = await Promise.all([a, b, c, d].map(batches));
    const again = await uploadImport(a, 'shops', file, { token: system.token });
    expect(again.json).toMatchObject({ accepted: 0, updated: 0, unchanged: 8 });
    for (const node of [b, c, d])
      expect((await adminApi(node, 'POST', '/registry/sync/pull')).status).toBe(200);
    expect((await adminApi(a, 'POST', '/registry/sync/pull')).status).toBe(200);
    expect(await Promise.all([a, b, c, d].map(batches))).toEqual(before);

    // A shop B's own platforms report is not overwritten by one A sends under the same platform
    // and URL: the record is refused, listed on its batch with why, and counted.
    const clash = newShopLine({ operatorCreditCode: newCreditCode('370102') });
    const atHomeB = await newUser(b, [Role.System]);
    await uploadImport(b, 'shops', shopReportCsv([clash]), { token: atHomeB.token });
    await uploadImport(a, 'shops', shopReportCsv([{ ...clash, shopName: '冒名的店' }]), {
      token: system.token,
    });
    const refused = await eventually(
      async () => {
        const rows = await sql<{ rejected: { index: number; reason: string }[] }>(
          b,
          `SELECT rejected FROM registry_sync_batch WHERE direction = 'in' AND jsonb_array_length(rejected) > 0`,
        );
        return rows.length > 0 ? rows : undefined;
      },
      20_000,
      'the clashing record refused at B',
    );
    expect(refused.flatMap((r) => r.rejected.map((x) => x.reason))).toEqual([
      'a shop with this platform and URL is reported on this node itself',
    ]);
    const [kept] = await sql<{ shop_name: string; origin: string | null }>(
      b,
      'SELECT shop_name, origin FROM registry_shop WHERE shop_id = $1',
      [clash.shopId],
    );
    expect(kept).toEqual({ shop_name: clash.shopName, origin: null });

    // D has nothing new, yet its cursor on A's feed moves past the shops A holds for others, so
    // that its idle pulls do not walk over them again.
    expect((await adminApi(d, 'POST', '/registry/sync/pull')).status).toBe(200);
    const [newest] = await sql<{ seq: string }>(a, 'SELECT max(change_seq)::text AS seq FROM registry_shop');
    const [cursor] = await sql<{ position: string }>(
      d,
      `SELECT position::text FROM registry_sync_cursor WHERE peer = $1 AND kind = 'shop'`,
      [A],
    );
    expect(cursor!.position).toBe(newest!.seq);
  }, 120_000);

  it('returns a new result when the home register changes under a shop (with the agreements above)', async () => {
    const operator = newRegisterLine({
      creditCode: newCreditCode('370102'),
      divisionCode: '370102',
      name: '济南后注销网络科技有限公司',
      registeredAddress: '山东省济南市历下区经十路9号',
    });
    await registerAt(b, [operator]);
    const shop = newShopLine({
      operatorCreditCode: operator.creditCode,
      operatorName: operator.name,
      operatingAddress: operator.registeredAddress,
    });
    const system = await newUser(a, [Role.System]);
    await uploadImport(a, 'shops', shopReportCsv([shop]), { token: system.token });
    const resultAtA = (outcome: string) =>
      eventually(
        async () =>
          (await landedAt(a)).find(
            (l) => l.shopId === shop.shopId && l.outcome === outcome && l.landedBy === B,
          ),
        30_000,
        `a ${outcome} result from B`,
      );
    const first = await resultAtA('matched');

    // B's register deregisters the operator: the platform region learns it without a new report.
    const atHomeB = await newUser(b, [Role.System]);
    const update = {
      ...operator,
      status: 'deregistered',
      statusChangedOn: '2026-05-06',
      updatedAt: '2026-05-06T10:00:00+08:00',
    };
    expect(
      (await uploadImport(b, 'entities', registerCsv([update]), { token: atHomeB.token })).json,
    ).toMatchObject({ updated: 1 });
    const second = await resultAtA('deregistered');
    expect(second).toMatchObject({ creditCode: operator.creditCode, reportedBy: null });
    expect(second.batchId).not.toBe(first.batchId);

    // A change made while the agreement is suspended comes once it is resumed, without waiting
    // for the next poll (a minute here) or anyone's manual pull.
    const { json: agreements } = await adminApi<AgreementView[]>(a, 'GET', '/agreements');
    const withB = agreements.find((x) => x.state === 'active' && x.parties.includes(B))!;
    const step = async (action: 'suspend' | 'resume', state: string) => {
      const body = action === 'suspend' ? { reason: 'held for the test' } : undefined;
      expect((await adminApi(a, 'POST', `/agreements/${withB.id}/${action}`, body)).status).toBe(200);
      await agreementInState(b, withB.id, state);
    };
    await step('suspend', 'suspended');
    const revoked = {
      ...update,
      status: 'revoked',
      statusChangedOn: '2026-06-01',
      updatedAt: '2026-06-01T10:00:00+08:00',
    };
    expect(
      (await uploadImport(b, 'entities', registerCsv([revoked]), { token: atHomeB.token })).json,
    ).toMatchObject({ updated: 1 });
    await eventually(async () => {
      const [row] = await sql<{ outcome: string }>(
        b,
        `SELECT l.outcome FROM registry_landing l JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url
          WHERE s.shop_id = $1`,
        [shop.shopId],
      );
      return row?.outcome === 'revoked' || undefined;
    }, 15_000);
    await step('resume', 'active');
    await eventually(
      async () => (await landedAt(a)).find((l) => l.shopId === shop.shopId && l.outcome === 'revoked'),
      15_000,
      'the result held back while suspended',
    );
  }, 90_000);

  it('signs records only with keys the agreement pins: after a key rotation, not until it is renewed', async () => {
    const agreement = await agree(b, {});
    const system = await newUser(a, [Role.System]);
    // A rotates its key; B re-pins A's new card (an explicit administrator act).
    expect((await adminApi(a, 'POST', '/node/keys/rotate')).status).toBe(200);
    const card = (await (await a.request('GET', '/.well-known/regulink/node-card')).json()) as object;
    expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, card)).status).toBe(201);

    const later = newShopLine({ operatorCreditCode: newCreditCode('370102') });
    await uploadImport(a, 'shops', shopReportCsv([later]), { token: system.token });
    const stored = async () =>
      (await sql(b, 'SELECT 1 FROM registry_shop WHERE shop_id = $1', [later.shopId])).length > 0;
    // The agreements pin A's old key only: A signs no batch its partner could not prove later.
    const status = await adminApi(b, 'POST', '/registry/sync/pull');
    expect(JSON.stringify(status.json)).toContain('AGREEMENT_KEY_NOT_PINNED');
    expect(await stored()).toBe(false);
    // A's routes say so, rather than 'ready'.
    const routeToB = async () =>
      (await adminApi<{ region: string }[]>(a, 'GET', '/registry/shops/routes')).json.find(
        (r) => r.region === B,
      );
    expect(await routeToB()).toMatchObject({
      status: 'blocked',
      agreement,
      code: 'AGREEMENT_KEY_NOT_PINNED',
    });

    // Renewed, the agreement pins the keys in use: the record goes, and its evidence verifies.
    const renewed = await adminApi<{ id: string }>(a, 'POST', `/agreements/${agreement}/renew`, {});
    expect(renewed.status).toBe(201);
    await adminApi(a, 'POST', `/agreements/${renewed.json.id}/propose`);
    await eventually(
      async () =>
        (await adminApi<{ state: string }>(b, 'GET', `/agreements/${renewed.json.id}`)).json.state ===
        'pending'
          ? true
          : undefined,
      15_000,
      'the renewal at B',
    );
    expect(
      (await adminApi<{ state: string }>(b, 'POST', `/agreements/${renewed.json.id}/countersign`)).json,
    ).toMatchObject({
      state: 'active',
    });
    await eventually(
      async () => {
        await adminApi(b, 'POST', '/registry/sync/pull');
        return (await stored()) ? true : undefined;
      },
      20_000,
      'the record at B under the renewed agreement',
    );
    expect(await problemOf(await evidence(b, 'shop', later))).toBe('verifies');
    expect(await routeToB()).toMatchObject({ status: 'ready', agreement: renewed.json.id });
  }, 120_000);

  it('proves a record with the card it was signed under, after its sender is re-pinned with a card that lost the key', async () => {
    // A record B holds from A, whose evidence verifies now.
    const held = await sql<{ platform: string; url: string }>(
      b,
      `SELECT platform, url FROM registry_shop WHERE origin = $1 ORDER BY url`,
      [A],
    );
    const exportOf = (shop: { platform: string; url: string }) =>
      adminApi<EvidenceBundle>(b, 'GET', `/registry/evidence/shop?${new URLSearchParams(shop)}`);
    let shop: { platform: string; url: string } | undefined;
    for (const candidate of held) {
      if ((await exportOf(candidate)).status === 200) {
        shop = candidate;
        break;
      }
    }
    expect(shop).toBeDefined();
    // A is reinstalled with a new key ring and nothing of the old: B re-pins its new card.
    const real = (await (await a.request('GET', '/.well-known/regulink/node-card')).json()) as SignedNodeCard;
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await toPublicSigningJwk(publicKey);
    const { retired: _retired, ...rest } = real.card;
    const reinstalled = await signNodeCard(
      { ...rest, keys: [jwk], activeKid: jwk.kid, issuedAt: new Date().toISOString() },
      { kid: jwk.kid, privateKey },
    );
    expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, reinstalled)).status).toBe(201);
    try {
      // The record's evidence still verifies: it carries the card of A that names the keys.
      const exported = await exportOf(shop!);
      expect(exported.status).toBe(200);
      expect(await problemOf(exported.json)).toBe('verifies');
      const cardOfA = exported.json.cards.find((c) => c.card.region === A)!;
      expect(cardOfA.jws).not.toBe(reinstalled.jws);
    } finally {
      expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, real)).status).toBe(201);
    }
  });
});
