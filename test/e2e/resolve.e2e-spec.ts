import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Role } from '@regulink/access';
import { AuditLog } from '@regulink/audit';
import { Clock, FederationTransport } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { signEnvelope } from '@regulink/protocol';
import { v7 as uuidv7 } from 'uuid';
import { ResolveService } from '../../libs/registry/src/resolve/resolve.service';
import { isMaskedPersonalValue } from '@regulink/domain';
import { newCreditCode, newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import {
  activeAgreement,
  adminApi,
  chinaDay,
  type AgreementView,
  type GrantSpec,
} from '../support/agreements';
import type { RegionAnswer, ResolveResult } from '../support/resolve';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import { sql, type TestNode } from '../support/test-node';

const A = '330000'; // the platform's region, where the officer works
const B = '370000';
const C = '350000';
const D = '440000';
const E = '410000'; // a peer with no agreement

interface Lookup {
  direction: string;
  officer: string;
  officerRegion: string;
  peer: string | null;
  purpose: string;
  caseReference: string;
  creditCodes: string[];
}

const WHY = { purpose: 'case-investigation', caseReference: '杭市监案〔2026〕118号' };

/**
 * Lookups across five real nodes over TCP: an officer at the platform region resolves a shop to
 * the entity behind it, at home in another region, in one call, with signed provenance; a name
 * search asks every region with an agreement and reports the one that is down; and lookups
 * without a purpose, outside any agreement, over a quota or into withheld fields are refused or
 * masked, each with its own code. Both ends keep a record of every lookup.
 */
describe('resolving shops and entities across regions (five real nodes)', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  let d: TestNode;
  let e: TestNode;
  let officer: TestUser;

  beforeAll(async () => {
    [a, b, c, d, e] = (await bootNodes([A, B, C, D, E], 'tcp', undefined, {
      REGULINK_RESOLVE_DAILY_QUOTA: '12',
    })) as [TestNode, TestNode, TestNode, TestNode, TestNode];
    await connectAll([a, b, c, d, e]);
    officer = await newUser(a, [Role.Officer]);
    // B, C and D answer A's officers; C also syncs A's shops and returns their landing; B allows
    // a single lookup a day.
    await agree(b, [{ scope: 'entity.resolve', from: B, to: A, dailyQuota: 1 }], {});
    await agree(
      c,
      [
        { scope: 'entity.resolve', from: C, to: A },
        { scope: 'shop.sync', from: A, to: C },
        { scope: 'landing.result', from: C, to: A },
      ],
      { personName: 'mask' },
    );
    // D discloses in two steps: hit or no hit first, the record only when asked by reference.
    await agree(d, [{ scope: 'entity.resolve', from: D, to: A, disclosure: 'two-step' as const }], {
      personName: 'clear',
    });
  }, 120_000);

  afterAll(async () => {
    // D is closed by a test already.
    await Promise.allSettled([a?.close(), b?.close(), c?.close(), d?.close(), e?.close()]);
  });

  const agree = (home: TestNode, scopes: GrantSpec[], fieldPolicy: Record<string, string>) =>
    activeAgreement(a, home, { scopes, fieldPolicy });

  async function registerAt(node: TestNode, lines: ReturnType<typeof newRegisterLine>[]): Promise<void> {
    const system = await newUser(node, [Role.System]);
    expect(
      (await uploadImport(node, 'entities', registerCsv(lines), { token: system.token })).json,
    ).toMatchObject({
      accepted: lines.length,
    });
  }

  const resolve = async (body: Record<string, unknown>, user: TestUser = officer) => {
    const response = await a.request('POST', '/resolve', { token: user.token, body });
    return { status: response.status, json: (await response.json()) as ResolveResult };
  };
  const lookupsAt = async (node: TestNode, query: string) =>
    (await adminApi<Lookup[]>(node, 'GET', `/resolve/lookups?${query}`)).json;

  it('resolves a shop reported here to its operator at home in another region, in one call, with signed provenance', async () => {
    const entity = newRegisterLine({
      creditCode: newCreditCode('350102'),
      name: '福州闽江电子商务有限公司',
      legalRepresentative: '林海',
      registeredAddress: '福建省福州市鼓楼区五四路1号',
      divisionCode: '350102',
      // On the abnormal list: its landing says so, and the officer sees it.
      status: 'abnormal',
    });
    await registerAt(c, [entity]);
    const shop = newShopLine({
      operatorCreditCode: entity.creditCode,
      operatorName: entity.name,
      operatingAddress: entity.registeredAddress,
    });
    const system = await newUser(a, [Role.System]);
    await uploadImport(a, 'shops', shopReportCsv([shop]), { token: system.token });
    // The shop goes to C, is landed there, and its result comes back signed.
    await eventually(
      async () => {
        const landed = (
          await adminApi<{ shopId: string; landedBy: string | null }[]>(a, 'GET', '/registry/landing')
        ).json;
        return landed.find((l) => l.shopId === shop.shopId && l.landedBy === C);
      },
      30_000,
      'the landing result back from C',
    );

    // The officer writes the URL another way (upper case, www., a tracking parameter).
    const written = shop.shopUrl.replace('https://', 'HTTPS://www.').replace(/\/$/, '/?utm_source=weibo');
    const { status, json } = await resolve({ shopUrl: written, ...WHY });
    expect(status).toBe(200);
    const [local, home] = json.answers;
    expect(local).toMatchObject({ region: A, status: 'answered' });
    expect(local!.shops).toHaveLength(1);
    expect(local!.shops[0]).toMatchObject({
      shopId: shop.shopId,
      provenance: { signedBy: A, reportedHere: true },
    });
    expect(local!.shops[0]!.landing).toMatchObject({
      outcome: 'matched',
      creditCode: entity.creditCode,
      abnormal: true,
      candidates: null,
      landedBy: C,
      provenance: { signedBy: C, verified: true },
    });
    // The entity comes from its home, signed by it, verified with the key A pinned for C.
    expect(home).toMatchObject({
      region: C,
      status: 'answered',
      provenance: { signedBy: C, verified: true },
    });
    expect(home!.provenance!.agreement).toEqual(expect.any(String));
    expect(home!.entities).toEqual([
      expect.objectContaining({ creditCode: entity.creditCode, name: entity.name, status: 'abnormal' }),
    ]);
    // The agreement masks personal names: the legal representative arrives masked.
    const representative = home!.entities[0]!.legalRepresentative as string;
    expect(representative).not.toBe(entity.legalRepresentative);
    expect(isMaskedPersonalValue('personName', representative)).toBe(true);

    // The home region lists the lookup of its entity, with who asked, why and for which case.
    const atHome = await lookupsAt(c, `creditCode=${entity.creditCode}&direction=in`);
    expect(atHome).toEqual([
      expect.objectContaining({
        officer: officer.username,
        officerRegion: A,
        peer: A,
        purpose: WHY.purpose,
        caseReference: WHY.caseReference,
      }),
    ]);
    // And the asking end keeps its side: the lookup here and the one sent to C.
    const atA = await lookupsAt(a, `creditCode=${entity.creditCode}`);
    expect(atA.map((l) => `${l.direction}:${l.peer ?? '-'}`).sort()).toEqual(['local:-', `out:${C}`]);

    // C holds A's shop as a copy for landing; an officer of B, which C answers too, does not get
    // it from C: copies are not passed on to third regions. C's own register entry is answered.
    await activeAgreement(b, c, { scopes: [{ scope: 'entity.resolve', from: C, to: B }] });
    const officerB = await newUser(b, [Role.Officer]);
    const fromB = async (body: Record<string, unknown>) =>
      (await (await b.request('POST', '/resolve', { token: officerB.token, body })).json()) as ResolveResult;
    const byUrl = (await fromB({ shopUrl: shop.shopUrl, ...WHY })).answers.find((x) => x.region === C);
    expect(byUrl).toMatchObject({ status: 'answered', shops: [] });
    const byCode = (await fromB({ creditCode: entity.creditCode, ...WHY })).answers.find(
      (x) => x.region === C,
    );
    expect(byCode).toMatchObject({ status: 'answered', shops: [] });
    expect(byCode!.entities.map((x) => x.creditCode)).toEqual([entity.creditCode]);
  }, 60_000);

  it('discloses in two steps where the agreement asks for it: a hit with a reference, then the record by it', async () => {
    const entity = newRegisterLine({
      creditCode: newCreditCode('440106'),
      name: '广州天河跨境电商有限公司',
      legalRepresentative: '陈明',
      divisionCode: '440106',
    });
    await registerAt(d, [entity]);
    const first = await resolve({ creditCode: entity.creditCode, ...WHY });
    expect(first.status).toBe(200);
    const atD = first.json.answers.find((x) => x.region === D)!;
    expect(atD).toMatchObject({
      status: 'hit',
      hits: 1,
      more: false,
      entities: [],
      provenance: { signedBy: D, verified: true },
    });
    const reference = (atD as RegionAnswer & { reference: string }).reference;
    expect(reference).toEqual(expect.any(String));
    const none = await resolve({ creditCode: newCreditCode('440106'), ...WHY });
    expect(none.json.answers.find((x) => x.region === D)).toMatchObject({ status: 'no-hit', hits: 0 });

    // The second step names its own purpose; without one it is refused.
    const disclose = (body: Record<string, unknown>) =>
      a.request('POST', '/resolve/disclose', { token: officer.token, body });
    expect((await disclose({ region: D, reference })).status).toBe(400);
    // A reference is asked of the region that gave it: not of this one, nor of one it does not know.
    for (const region of [A, '000000']) {
      const elsewhere = await disclose({ region, reference, ...WHY });
      expect(elsewhere.status).toBe(400);
      expect(await elsewhere.json()).toMatchObject({ code: 'RESOLVE_QUERY_INVALID' });
    }
    const second = await disclose({
      region: D,
      reference,
      purpose: 'inspection',
      caseReference: '穗市监查〔2026〕7号',
    });
    expect(second.status).toBe(200);
    const [record] = ((await second.json()) as ResolveResult).answers;
    expect(record).toMatchObject({
      region: D,
      status: 'answered',
      provenance: { signedBy: D, verified: true },
    });
    expect(record!.entities).toEqual([
      expect.objectContaining({
        creditCode: entity.creditCode,
        legalRepresentative: entity.legalRepresentative,
      }),
    ]);
    // The reference is the officer's own: a colleague of the same region who learns it gets nothing.
    const colleague = await newUser(a, [Role.Officer]);
    const borrowed = await a.request('POST', '/resolve/disclose', {
      token: colleague.token,
      body: { region: D, reference, ...WHY },
    });
    expect(((await borrowed.json()) as ResolveResult).answers[0]).toMatchObject({
      status: 'refused',
      code: 'BODY_INVALID',
    });
    // A reference D never gave is refused by D.
    const forged = await disclose({ region: D, reference: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', ...WHY });
    expect(forged.status).toBe(200);
    expect(((await forged.json()) as ResolveResult).answers[0]).toMatchObject({
      status: 'refused',
      code: 'BODY_INVALID',
    });

    // D's record of the lookups: the hit, and the disclosure with its own purpose.
    const atHome = await lookupsAt(d, `creditCode=${entity.creditCode}`);
    expect(atHome.map((l) => `${l.direction}:${l.purpose}`).sort()).toEqual([
      'in:case-investigation',
      'in:inspection',
    ]);
  }, 60_000);

  it('asks every region with an agreement for a name, and names the one that did not answer in time', async () => {
    const twin = (division: string) =>
      newRegisterLine({
        creditCode: newCreditCode(division),
        name: '华夏优选贸易有限公司',
        divisionCode: division,
      });
    const [inB, inC] = [twin('370102'), twin('350102')];
    await registerAt(b, [inB]);
    await registerAt(c, [inC]);
    // D is down, and something on its address accepts connections and never answers: only the
    // deadline ends the wait for it.
    await d.close();
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(d.config.federation.port, '127.0.0.1', resolve));

    const started = Date.now();
    // Written with a space, full-width brackets and another legal-form suffix.
    const { status, json } = await resolve({
      name: '华夏 优选贸易（有限责任公司）',
      ...WHY,
      deadlineMs: 3000,
    });
    const elapsed = Date.now() - started;
    for (const socket of held) socket.destroy();
    silent.close();
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    expect(elapsed).toBeLessThan(6500);
    expect(status).toBe(200);
    const byRegion = new Map(json.answers.map((x) => [x.region, x]));
    expect(byRegion.get(B)).toMatchObject({ status: 'answered', provenance: { verified: true } });
    expect(byRegion.get(B)!.entities.map((x) => x.creditCode)).toEqual([inB.creditCode]);
    expect(byRegion.get(C)!.entities.map((x) => x.creditCode)).toEqual([inC.creditCode]);
    expect(byRegion.get(D)).toMatchObject({ status: 'timeout', code: 'QUERY_TIMEOUT' });
    expect(json.missing).toEqual([D]);
    // B's agreement withholds personal names: no legal representative at all.
    expect(byRegion.get(B)!.entities[0]).not.toHaveProperty('legalRepresentative');
    // E has no agreement with A: it is not asked.
    expect(byRegion.has(E)).toBe(false);
  }, 60_000);

  it('refuses a lookup without purpose, outside any agreement or over a quota, each with its own code', async () => {
    const someone = await newUser(a, [Role.Officer]);
    const noPurpose = await resolve({ creditCode: newCreditCode('350102') }, someone);
    expect(noPurpose).toMatchObject({ status: 400, json: { code: 'PURPOSE_REQUIRED' } });
    const badPurpose = await resolve(
      { creditCode: newCreditCode('350102'), ...WHY, purpose: 'curiosity' },
      someone,
    );
    expect(badPurpose).toMatchObject({ status: 400, json: { code: 'PURPOSE_REQUIRED' } });
    const twoThings = await resolve(
      { creditCode: newCreditCode('350102'), name: '某某公司', ...WHY },
      someone,
    );
    expect(twoThings).toMatchObject({ status: 400, json: { code: 'RESOLVE_QUERY_INVALID' } });

    // An entity at home in E, with which A has no agreement.
    const outside = await resolve({ creditCode: newCreditCode('410102'), ...WHY }, someone);
    expect(outside).toMatchObject({ status: 403, json: { code: 'NO_AGREEMENT' } });

    // B allows one lookup a day; the name search above used it.
    const overB = await resolve({ creditCode: newCreditCode('370102'), ...WHY }, someone);
    expect(overB).toMatchObject({ status: 429, json: { code: 'QUOTA_EXCEEDED' } });

    // An officer's own daily quota (12 here) counts every lookup, answered or not.
    const busy = await newUser(a, [Role.Officer]);
    for (let i = 0; i < 12; i++) {
      expect(
        (await resolve({ shopUrl: `https://nowhere${i}.example.com/`, ...WHY, deadlineMs: 1000 }, busy))
          .status,
      ).toBe(200);
    }
    const over = await resolve({ shopUrl: 'https://nowhere.example.com/', ...WHY }, busy);
    expect(over).toMatchObject({ status: 429, json: { code: 'OFFICER_QUOTA_EXCEEDED' } });
    // Asked all at once, 20 lookups by a fresh officer: exactly 12 go through, never more.
    const eager = await newUser(a, [Role.Officer]);
    const rush = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        resolve({ shopUrl: `https://rush${i}.example.com/`, ...WHY, deadlineMs: 1000 }, eager),
      ),
    );
    expect(rush.filter((r) => r.status === 200)).toHaveLength(12);
    expect(rush.filter((r) => r.status === 429)).toHaveLength(8);
    for (const refused of rush.filter((r) => r.status === 429)) {
      expect(refused).toMatchObject({ json: { code: 'OFFICER_QUOTA_EXCEEDED' } });
    }
    // Officers may look up; only administrators read the lookup record.
    expect((await a.request('GET', '/resolve/lookups', { token: busy.token })).status).toBe(403);
  }, 90_000);

  it('says when a region holds more than its answer carries', async () => {
    // 21 entities of one name at C (an answer carries 20), and 201 shops of one seller at A (200).
    const name = '星河云仓供应链有限公司';
    await registerAt(
      c,
      Array.from({ length: 21 }, () =>
        newRegisterLine({ creditCode: newCreditCode('350102'), name, divisionCode: '350102' }),
      ),
    );
    const seller = newCreditCode('330106', '2');
    const shops = Array.from({ length: 201 }, () =>
      newShopLine({ operatorCreditCode: seller, operatorName: '杭州星河网店' }),
    );
    const system = await newUser(a, [Role.System]);
    expect(
      (await uploadImport(a, 'shops', shopReportCsv(shops), { token: system.token })).json,
    ).toMatchObject({ accepted: 201 });
    const someone = await newUser(a, [Role.Officer]);

    const byName = await resolve({ name, ...WHY }, someone);
    const fromC = byName.json.answers.find((x) => x.region === C)!;
    expect(fromC).toMatchObject({ status: 'answered', more: true, provenance: { verified: true } });
    expect(fromC.entities).toHaveLength(20);
    expect(byName.json.answers.find((x) => x.region === A)).toMatchObject({ entities: [], more: false });

    const bySeller = await resolve({ creditCode: seller, ...WHY }, someone);
    const here = bySeller.json.answers.find((x) => x.region === A)!;
    expect(here).toMatchObject({ status: 'answered', more: true });
    expect(here.shops).toHaveLength(200);
    expect(new Set(here.shops.map((x) => x.shopId)).size).toBe(200);

    // One entity of that name fewer at C would not say so: the flag is not always on.
    const unique = newRegisterLine({ creditCode: newCreditCode('350102'), name: '星河云仓冷链物流有限公司' });
    await registerAt(c, [{ ...unique, divisionCode: '350102' }]);
    const one = await resolve({ name: '星河云仓冷链物流有限公司', ...WHY }, someone);
    expect(one.json.answers.find((x) => x.region === C)).toMatchObject({ status: 'answered', more: false });
  }, 60_000);

  it('counts a peer’s lookups against the quota before answering them: a refused one leaves no answer recorded', async () => {
    // E allows A one lookup a day. Three sent at once, straight to E (A's own quota check
    // skipped), in whatever order E takes them: one is answered, and only that one is recorded
    // as answered at E (the quota is taken before the answer is made and logged).
    await agree(e, [{ scope: 'entity.resolve', from: E, to: A, dailyQuota: 1 }], {});
    const agreement = (await adminApi<AgreementView[]>(e, 'GET', '/agreements')).json.find(
      (x) => x.state === 'active' && x.parties.includes(A),
    )!;
    const signer = a.app.get(NodeIdentityService).signer();
    const now = a.app.get(Clock).nowSeconds();
    const replies = await Promise.all(
      [1, 2, 3].map(async () => {
        const claims = {
          v: 1 as const,
          id: uuidv7(),
          type: 'entity.resolve.query',
          from: A,
          to: E,
          agreement: agreement.id,
          iat: now,
          exp: now + 300,
          body: { query: { creditCode: newCreditCode('410102') }, ...WHY, officer: 'officer.elsewhere' },
        };
        const reply = await a.app
          .get(FederationTransport)
          .request(
            e.config.federation.publicEndpoint,
            { envelope: await signEnvelope(claims, signer) },
            10_000,
          );
        return { id: claims.id, answered: typeof reply.response === 'string' };
      }),
    );
    expect(replies.filter((r) => r.answered)).toHaveLength(1);
    const recorded = await sql<{ id: string; outcome: string }>(
      e,
      'SELECT id, outcome FROM registry_resolve_lookup WHERE id = ANY($1::uuid[])',
      [replies.map((r) => r.id)],
    );
    expect(recorded).toEqual([{ id: replies.find((r) => r.answered)!.id, outcome: 'answered' }]);
  }, 30_000);

  it('withholds an answer, signed but not of the shape of an answer, and counts it', async () => {
    const entity = newRegisterLine({ creditCode: newCreditCode('350102'), divisionCode: '350102' });
    await registerAt(c, [entity]);
    const someone = await newUser(a, [Role.Officer]);
    const ask = () => resolve({ creditCode: entity.creditCode, ...WHY }, someone);
    const refusedBefore = await badReplies(a);
    // C signs what it answers, whatever that is: here, once, an entity without a valid code and
    // an entity with a field no answer has.
    const answering = c.app.get(ResolveService) as unknown as {
      answerPeer: (message: unknown) => Promise<Record<string, unknown>>;
    };
    const spy = jest
      .spyOn(answering, 'answerPeer')
      .mockResolvedValueOnce({
        entities: [{ ...entity, creditCode: 'ABC', updatedAt: new Date().toISOString() }],
        shops: [],
      })
      .mockResolvedValueOnce({ entities: [], shops: [], forward: 'https://elsewhere.example.com/' });
    try {
      for (const problem of ['entities.0.creditCode', 'forward']) {
        const { status, json } = await ask();
        expect(status).toBe(200);
        const fromC = json.answers.find((x) => x.region === C)!;
        expect(fromC).toMatchObject({ status: 'refused', code: 'BAD_REPLY', entities: [], shops: [] });
        expect((fromC as unknown as { reason: string }).reason).toContain(problem);
        expect(json.missing).toEqual([]);
      }
    } finally {
      spy.mockRestore();
    }
    expect(await badReplies(a)).toBe(refusedBefore + 2);
    // Each lookup names the query it sent, and A's audit log has C's answer to it as rejected.
    const sentToC = (
      await adminApi<(Lookup & { messageId: string | null })[]>(a, 'GET', '/resolve/lookups?direction=out')
    ).json
      .filter((l) => l.peer === C && l.officer === someone.username)
      .slice(0, 2);
    expect(sentToC).toHaveLength(2);
    for (const lookup of sentToC) {
      expect(lookup).toMatchObject({ outcome: 'refused' });
      const entries = await a.app.get(AuditLog).entriesForMessage(lookup.messageId!);
      expect(entries.map((e) => JSON.parse(e.data) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ kind: 'envelope-out', status: 'sent', peer: C }),
        expect.objectContaining({ kind: 'envelope-in', status: 'rejected', code: 'BAD_REPLY', peer: C }),
      ]);
    }
    // The same lookup, answered as C's node answers it, is used.
    const { json } = await ask();
    const fromC = json.answers.find((x) => x.region === C)!;
    expect(fromC).toMatchObject({ status: 'answered', provenance: { verified: true } });
    expect(fromC.entities.map((x) => x.creditCode)).toEqual([entity.creditCode]);
  }, 30_000);

  it('lists the lookups recorded here page by page, and by day (China time)', async () => {
    for (let i = 0; i < 3; i++) {
      const asked = await resolve({
        creditCode: newCreditCode('330106'),
        ...WHY,
        caseReference: `翻页-${i}`,
      });
      expect(asked.status).toBe(200);
    }
    type Listed = Lookup & { id: string; at: string };
    const list = async (query: string) =>
      (await adminApi<Listed[]>(a, 'GET', `/resolve/lookups?direction=local&${query}`)).json;
    const newest = (await list('limit=3')).map((l) => l.caseReference);
    expect(newest).toEqual(['翻页-2', '翻页-1', '翻页-0']);

    const first = await list('limit=2');
    const second = await list(`limit=2&before=${first[1]!.id}`);
    expect(second[0]!.caseReference).toBe('翻页-0');
    expect(second.filter((l) => first.some((f) => f.id === l.id))).toEqual([]);
    expect(Date.parse(second[0]!.at)).toBeLessThanOrEqual(Date.parse(first[1]!.at));

    const today = chinaDay(0);
    expect((await list(`from=${today}&to=${today}&limit=3`)).map((l) => l.caseReference)).toEqual(newest);
    expect(await list(`from=${chinaDay(1)}`)).toEqual([]);
    expect(await list(`to=${chinaDay(-1)}&limit=10000`)).toEqual([]);

    for (const [query, field] of [
      [`before=${randomUUID()}`, 'before names no lookup'],
      ['before=x', 'before must be a UUID'],
      ['from=2026-02-30', 'from'],
    ] as const) {
      const refused = await adminApi<{ code: string; message: string }>(
        a,
        'GET',
        `/resolve/lookups?${query}`,
      );
      expect(refused.status).toBe(400);
      expect(refused.json.message).toContain(field);
    }
  });
});

/** How many answers to its queries `node` has refused as malformed, by its metrics. */
async function badReplies(node: TestNode): Promise<number> {
  const text = await (await node.request('GET', '/metrics', { token: await node.adminToken() })).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('regulink_federation_envelopes_refused_total{code="BAD_REPLY"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}
