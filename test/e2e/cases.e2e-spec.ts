import { createHash } from 'node:crypto';
import { Role } from '@regulink/access';
import { CasesService } from '../../libs/cases/src/cases.service';
import { chinaCalendarDate } from '@regulink/domain';
import { Clock } from '@regulink/federation';
import { parseEnvelope } from '@regulink/protocol';
import { newCreditCode } from '../factories/market-entity.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { activeAgreement, chinaDay, sendDirect } from '../support/agreements';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

const A = '330000'; // the platform's region, where the complaint arrives
const B = '360000'; // the seller's region
const C = '370000'; // a third region

interface Step {
  seq: number;
  action: string;
  by: string;
  takenBy: string | null;
  on: string;
  payload: Record<string, unknown>;
  status: string;
  digest: string;
  envelope: string;
  signature: { verified: boolean; kid: string | null };
  /** For a step taken by this node: how its message fared. */
  delivery: { status: string; code: string | null } | null;
}

interface CaseView {
  id: string;
  kind: string;
  role: string;
  peerRegion: string;
  state: string;
  jurisdiction: { region: string; basis: string; evidence: string | null; overrideReason: string | null };
  transferredFrom: { region: string; caseId: string } | null;
  receivedOn: string | null;
  deadline: { state: string; due: string | null; dueDate?: string };
  files: { sha256: string; name: string; size: number }[];
  steps: Step[];
}

interface ListedCase {
  id: string;
  state: string;
  dueOn: string | null;
}

const EVIDENCE = Buffer.from('order 2026-11-02 #88231: counterfeit goods photographed on delivery', 'utf8');

const complaint = (creditCode: string, extra: Record<string, unknown> = {}) => ({
  clue: {
    source: 'complaint',
    complaintNumber: '1233011202611000042',
    shops: [],
    entities: [{ creditCode, name: '南昌赣江服饰有限公司' }],
    platform: 'example-mall',
    goodsCategory: 'clothing',
    brand: 'Example Brand',
    violationType: 'trademark infringement',
    description: 'A buyer reports counterfeit jackets sold as the brand.',
    amountInvolved: '12800.00',
    caseReference: '杭市监投〔2026〕42号',
  },
  evidence: [{ name: 'delivery.txt', mediaType: 'text/plain', contentBase64: EVIDENCE.toString('base64') }],
  ...extra,
});

/**
 * Clues and assistance requests between three real nodes over TCP: a complaint at the platform's
 * region becomes a clue for the seller's region and runs its whole course there, both nodes
 * holding the same signed history; a wrong-region clue is transferred once; evidence altered on
 * the way refuses the clue whole; every illegal step is refused with its code at either end.
 */
describe('case clues between regions (three real nodes)', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  let officerA: TestUser;
  let officerB: TestUser;
  let officerC: TestUser;
  let agreementAB: string;

  beforeAll(async () => {
    [a, b, c] = (await bootNodes([A, B, C], 'tcp')) as [TestNode, TestNode, TestNode];
    await connectAll([a, b, c]);
    [officerA, officerB, officerC] = await Promise.all([
      newUser(a, [Role.Officer]),
      newUser(b, [Role.Officer]),
      newUser(c, [Role.Officer]),
    ]);
    agreementAB = await activeAgreement(a, b, {
      scopes: [
        { scope: 'clue.transfer', from: A, to: B },
        { scope: 'assist.request', from: A, to: B },
      ],
    });
    await activeAgreement(a, c, { scopes: [{ scope: 'clue.transfer', from: A, to: C }] });
    await activeAgreement(c, b, { scopes: [{ scope: 'clue.transfer', from: C, to: B }] });
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close(), c?.close()]);
  });

  const call = async <T>(node: TestNode, user: TestUser, method: string, path: string, body?: unknown) => {
    const response = await node.request(method, path, { token: user.token, body });
    return { status: response.status, json: (await response.json()) as T & { code?: string } };
  };
  const view = async (node: TestNode, user: TestUser, id: string) =>
    (await call<CaseView>(node, user, 'GET', `/cases/${id}`)).json;
  const step = (node: TestNode, user: TestUser, id: string, body: Record<string, unknown>) =>
    call<CaseView>(node, user, 'POST', `/cases/${id}/steps`, body);
  /** Waits until a node holds the case at `seq` steps or more. */
  const held = (node: TestNode, user: TestUser, id: string, seq: number) =>
    eventually(
      async () => {
        const response = await node.request('GET', `/cases/${id}`, { token: user.token });
        if (response.status !== 200) return undefined;
        const found = (await response.json()) as CaseView;
        return found.steps.filter((s) => s.status === 'applied').length >= seq ? found : undefined;
      },
      20_000,
      `case ${id} at ${node.config.node.region} with ${seq} steps`,
    );
  /** A clue from A to B about a seller at home in `division`, held by both with its receipt. */
  const receivedClue = async (division: string): Promise<{ id: string; atB: CaseView }> => {
    const sent = await call<CaseView>(
      a,
      officerA,
      'POST',
      '/cases/clues',
      complaint(newCreditCode(division)),
    );
    const atB = await held(b, officerB, sent.json.id, 2);
    await held(a, officerA, sent.json.id, 2);
    return { id: sent.json.id, atB };
  };
  const stepAt = async (
    node: TestNode,
    user: TestUser,
    id: string,
    body: Record<string, unknown>,
    seq: number,
  ) => {
    const taken = await step(node, user, id, body);
    expect({ status: taken.status, code: taken.json.code }).toEqual({ status: 201, code: undefined });
    expect(taken.json.steps.at(-1)).toMatchObject({ seq, action: body.action });
    return taken.json;
  };

  it('runs a complaint to a penalty: sent to the seller’s region, received, accepted, filed and answered, one signed history at both ends', async () => {
    const creditCode = newCreditCode('360102');
    const sent = await call<CaseView>(a, officerA, 'POST', '/cases/clues', complaint(creditCode));
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({
      role: 'sender',
      peerRegion: B,
      state: 'sent',
      jurisdiction: { region: B, basis: 'operator-code', evidence: '360102' },
    });
    const id = sent.json.id;

    // B receives it with its evidence checked, and its signed receipt comes back to A.
    const atB = await held(b, officerB, id, 2);
    expect(atB).toMatchObject({ role: 'receiver', peerRegion: A, state: 'received' });
    expect(atB.files).toEqual([
      expect.objectContaining({
        sha256: createHash('sha256').update(EVIDENCE).digest('hex'),
        size: EVIDENCE.length,
      }),
    ]);
    const file = await b.request('GET', `/cases/${id}/files/${atB.files[0]!.sha256}`, {
      token: officerB.token,
    });
    expect(Buffer.from(await file.arrayBuffer())).toEqual(EVIDENCE);
    // A file the case does not hold, or a digest that is not one, is refused with the standard
    // JSON body, though the route sends files as octet streams.
    for (const [digest, status, code] of [
      ['0'.repeat(64), 404, 'CASE_FILE_NOT_FOUND'],
      ['not-a-digest', 400, 'VALIDATION_FAILED'],
    ] as const) {
      const refused = await b.request('GET', `/cases/${id}/files/${digest}`, { token: officerB.token });
      expect(refused.status).toBe(status);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await refused.json()).toMatchObject({ statusCode: status, code });
    }
    expect(atB.deadline.state).toBe('running');
    expect((await held(a, officerA, id, 2)).state).toBe('received');

    await stepAt(b, officerB, id, { action: 'accept' }, 3);
    await stepAt(b, officerB, id, { action: 'start-check' }, 4);
    // Appraisal stops the clock on both sides, and it runs again after.
    const paused = await stepAt(
      b,
      officerB,
      id,
      { action: 'pause', ground: 'appraisal', reason: 'authenticity appraisal by the brand owner' },
      5,
    );
    expect(paused.deadline.state).toBe('paused');
    expect((await held(a, officerA, id, 5)).deadline.state).toBe('paused');
    await stepAt(b, officerB, id, { action: 'resume' }, 6);
    await stepAt(b, officerB, id, { action: 'file', caseNumber: '洪市监立〔2026〕77号' }, 7);
    await stepAt(
      b,
      officerB,
      id,
      {
        action: 'result',
        outcome: 'penalty',
        penaltyYuan: '50000.00',
        decisionNumber: '洪市监罚〔2026〕103号',
      },
      8,
    );
    await stepAt(b, officerB, id, { action: 'close' }, 9);

    const [endA, endB] = [await held(a, officerA, id, 9), await held(b, officerB, id, 9)];
    const history = (c: CaseView) =>
      c.steps.map((s) => ({ seq: s.seq, action: s.action, by: s.by, digest: s.digest, payload: s.payload }));
    expect(endA.state).toBe('closed');
    expect(endB.state).toBe('closed');
    expect(history(endA)).toEqual(history(endB));
    expect(endA.steps.map((s) => s.action)).toEqual([
      'send',
      'receive',
      'accept',
      'start-check',
      'pause',
      'resume',
      'file',
      'result',
      'close',
    ]);
    expect(endA.steps.map((s) => s.by)).toEqual([A, B, B, B, B, B, B, B, B]);
    // Each node names which of its own accounts took its steps; the receipt is the node's own.
    expect(endA.steps.map((s) => s.takenBy)).toEqual([officerA.username, ...Array(8).fill(null)]);
    expect(endB.steps.map((s) => s.takenBy)).toEqual([null, null, ...Array(7).fill(officerB.username)]);
    for (const s of [...endA.steps, ...endB.steps]) expect(s.signature.verified).toBe(true);
    // Each node says how the steps it took fared at the other (those of the other region: null).
    expect(endA.steps.map((s) => s.delivery?.status ?? null)).toEqual(['delivered', ...Array(8).fill(null)]);
    await eventually(
      async () =>
        (await view(b, officerB, id)).steps.slice(1).every((s) => s.delivery?.status === 'delivered') ||
        undefined,
      15_000,
      "B's steps delivered",
    );
    expect(endA.steps[7]!.payload).toMatchObject({
      penaltyYuan: '50000.00',
      decisionNumber: '洪市监罚〔2026〕103号',
    });
    expect(endA.deadline.state).toBe('met');

    // A signed step that is altered where it is kept no longer verifies.
    await sql(
      b,
      `UPDATE case_step SET envelope = regexp_replace(envelope, '\\.[^.]+$', '.AAAA') WHERE case_id = $1 AND seq = 7`,
      [id],
    );
    expect((await view(b, officerB, id)).steps[6]!.signature.verified).toBe(false);
  });

  it('leaves a clue whose suspects point to two regions alike to the officer, and sends nothing until told', async () => {
    const before = await sql<{ n: number }>(a, 'SELECT count(*)::int AS n FROM federation_outbox');
    const twoHomes = complaint(newCreditCode('360102'));
    twoHomes.clue.entities.push({ creditCode: newCreditCode('370102'), name: '济南历下服饰有限公司' });
    const refused = await call<CaseView>(a, officerA, 'POST', '/cases/clues', twoHomes);
    expect(refused).toMatchObject({
      status: 422,
      json: { code: 'CASE_JURISDICTION_AMBIGUOUS', message: expect.stringMatching(/360000.*370000/) },
    });
    expect(await sql(a, 'SELECT count(*)::int AS n FROM federation_outbox')).toEqual(before);
    // Told which region, with the reason, it goes there.
    const told = await call<CaseView>(a, officerA, 'POST', '/cases/clues', {
      ...twoHomes,
      to: C,
      overrideReason: 'the Jinan company runs the shop; the Nanchang one only ships',
    });
    expect(told.status).toBe(201);
    expect(told.json.peerRegion).toBe(C);
  });

  it('refuses a clue or an assistance request without its content, and sends nothing', async () => {
    const before = await sql<{ n: number }>(a, 'SELECT count(*)::int AS n FROM federation_outbox');
    for (const [path, body, field] of [
      ['/cases/clues', '{}', 'clue'],
      ['/cases/clues', 'null', 'clue'],
      ['/cases/assists', '{"to":"360000"}', 'request'],
      // An array where the content object goes is not an empty content.
      ['/cases/clues', '{"clue":[]}', 'clue must be an object'],
      ['/cases/assists', '{"request":[]}', 'request must be an object'],
    ] as const) {
      const refused = await a.request('POST', path, { token: officerA.token, body });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining(
          field.includes(' ') ? field : `${field} should not be null or undefined`,
        ),
      });
    }
    expect(await sql(a, 'SELECT count(*)::int AS n FROM federation_outbox')).toEqual(before);
  });

  it('creates one case for a request sent again with its requestId, at once or later, and refuses the id for other content', async () => {
    const body = { ...complaint(newCreditCode('360102')), requestId: `retry-${Date.now()}` };
    const outbox = async () =>
      (
        await sql<{ n: number }>(
          a,
          `SELECT count(*)::int AS n FROM federation_outbox WHERE type = 'clue.send'`,
        )
      )[0]!.n;
    const before = await outbox();
    // A double click, then a retry after a lost answer: one case, one message to the seller's region.
    const first = await Promise.all(
      [0, 1, 2].map(() => call<CaseView>(a, officerA, 'POST', '/cases/clues', body)),
    );
    const again = await call<CaseView>(a, officerA, 'POST', '/cases/clues', body);
    const ids = new Set([...first, again].map((r) => r.json.id));
    expect([...first, again].map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(ids.size).toBe(1);
    expect(await outbox()).toBe(before + 1);
    const [id] = [...ids] as [string];
    expect(
      await sql(a, 'SELECT count(*)::int AS n FROM case_item WHERE request_id = $1', [body.requestId]),
    ).toEqual([{ n: 1 }]);

    // The same id for other content is refused, and sends nothing.
    const other = { ...complaint(newCreditCode('360102')), requestId: body.requestId };
    const refused = await call(a, officerA, 'POST', '/cases/clues', other);
    expect(refused).toMatchObject({ status: 409, json: { code: 'CASE_REQUEST_ID_TAKEN' } });
    expect(refused.json).toMatchObject({ message: expect.stringContaining(id) });
    const asAssist = await call(a, officerA, 'POST', '/cases/assists', {
      request: {
        entity: { creditCode: newCreditCode('360102') },
        ask: 'verify-address',
        details: 'Please confirm the registered address.',
        caseReference: '杭市监协〔2026〕10号',
      },
      requestId: body.requestId,
    });
    expect(asAssist).toMatchObject({ status: 409, json: { code: 'CASE_REQUEST_ID_TAKEN' } });
    expect(await outbox()).toBe(before + 1);
    expect(
      (await call(a, officerA, 'POST', '/cases/clues', { ...body, requestId: 'bad id!' })).json,
    ).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('requestId') });
  });

  it('refuses every illegal step with its code, at the side that takes it and at the side that receives it', async () => {
    const { id } = await receivedClue('360102');
    // A result before any filing, a second extension, a resume without a pause, the sender acting for the receiver.
    expect(
      (
        await step(b, officerB, id, {
          action: 'result',
          outcome: 'penalty',
          penaltyYuan: '1.00',
          decisionNumber: 'x',
        })
      ).json.code,
    ).toBe('CASE_TRANSITION_ILLEGAL');
    await stepAt(b, officerB, id, { action: 'extend', reason: 'the seller is abroad until next month' }, 3);
    expect((await step(b, officerB, id, { action: 'extend', reason: 'again' })).json.code).toBe(
      'CASE_EXTENSION_USED',
    );
    expect((await step(b, officerB, id, { action: 'resume' })).json.code).toBe('CASE_NOT_PAUSED');
    // Fields the step does not have are not signed along with it.
    const padded = await step(b, officerB, id, { action: 'accept', caseNumber: 'ZZ', toRegion: C });
    expect(padded).toMatchObject({
      status: 400,
      json: {
        code: 'CASE_FIELD_INVALID',
        message: expect.stringMatching(
          /accept has no (toRegion, caseNumber|caseNumber, toRegion) \(it has no fields\)/,
        ),
      },
    });
    // Evidence that is not base64 as written (a lenient decoder would sign other bytes) is refused.
    const garbled = await step(b, officerB, id, {
      action: 'extend',
      reason: 'x',
      evidence: [{ name: 'a.txt', mediaType: 'text/plain', contentBase64: 'abc' }],
    });
    expect(garbled).toMatchObject({ status: 400, json: { code: 'VALIDATION_FAILED' } });
    await held(a, officerA, id, 3);
    const wrong = await step(a, officerA, id, { action: 'accept' });
    expect({ status: wrong.status, code: wrong.json.code }).toEqual({ status: 403, code: 'CASE_WRONG_SIDE' });
    const missing = await step(b, officerB, id, { action: 'return' });
    expect({ status: missing.status, code: missing.json.code }).toEqual({
      status: 400,
      code: 'CASE_FIELD_INVALID',
    });

    // B's own key signs a step its rules would not let it take; A refuses it on receipt.
    const agreement = (await view(a, officerA, id)) as CaseView & { agreementId: string };
    const receipt = await sendDirect(b, a, {
      type: 'clue.reply',
      agreement: agreement.agreementId,
      body: {
        caseId: id,
        seq: 4,
        on: agreement.steps[1]!.on,
        action: { action: 'result', outcome: 'penalty', penaltyYuan: '1.00', decisionNumber: 'forged' },
        files: [],
      },
    });
    expect(receipt).toMatchObject({ status: 'rejected', code: 'CASE_TRANSITION_ILLEGAL' });
    // A step dated other than the day it was signed.
    const backdated = await sendDirect(b, a, {
      type: 'clue.reply',
      agreement: agreement.agreementId,
      body: { caseId: id, seq: 4, on: '2026-01-05', action: { action: 'accept' }, files: [] },
    });
    expect(backdated).toMatchObject({ status: 'rejected', code: 'CASE_STEP_DATE_INVALID' });
    // A day the calendar does not have (Date would read it as the 1st of the next month).
    const noDay = await sendDirect(b, a, {
      type: 'clue.reply',
      agreement: agreement.agreementId,
      body: { caseId: id, seq: 4, on: '2026-11-31', action: { action: 'accept' }, files: [] },
    });
    expect(noDay).toMatchObject({ status: 'rejected', code: 'BODY_INVALID' });
    // A step that comes early is held only if it is a step at all: one that is not would hold its
    // number, and the case, for good.
    const early = await sendDirect(b, a, {
      type: 'clue.reply',
      agreement: agreement.agreementId,
      body: { caseId: id, seq: 6, on: agreement.steps[1]!.on, action: { action: 'frobnicate' }, files: [] },
    });
    expect(early).toMatchObject({ status: 'rejected', code: 'CASE_TRANSITION_ILLEGAL' });
    const afterA = await view(a, officerA, id);
    expect(afterA.steps).toHaveLength(3);
    expect(afterA.state).toBe('received');

    // Outside the agreement's clue.transfer grant: B's agreement with A lets clues go only from A to B.
    const outside = await call(b, officerB, 'POST', '/cases/clues', {
      ...complaint(newCreditCode('330106')),
    });
    expect({ status: outside.status, code: outside.json.code }).toEqual({
      status: 403,
      code: 'DIRECTION_NOT_ALLOWED',
    });
  });

  it('lists a clue as overdue on both sides once its due date has passed, and as due soon before', async () => {
    const { id, atB } = await receivedClue('360103');
    const due = atB.deadline.due!;
    expect(due > atB.receivedOn!).toBe(true);
    const list = async (node: TestNode, user: TestUser, box: string, query: string) =>
      (await call<ListedCase[]>(node, user, 'GET', `/cases?box=${box}&kind=clue&${query}`)).json.map(
        (x) => x.id,
      );
    const dayAfter = new Date(Date.parse(`${due}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(await list(b, officerB, 'inbox', `due=overdue&asOf=${dayAfter}`)).toContain(id);
    expect(await list(a, officerA, 'outbox', `due=overdue&asOf=${dayAfter}`)).toContain(id);
    expect(await list(b, officerB, 'inbox', `due=overdue&asOf=${due}`)).not.toContain(id);
    expect(await list(b, officerB, 'inbox', `due=due-soon&asOf=${due}`)).toContain(id);
    expect(await list(b, officerB, 'inbox', 'due=overdue')).not.toContain(id);
    // A stored due date that the working-day calendar no longer gives (counted on a calendar that
    // did not cover its year yet, say) is brought back to it, and the lists follow.
    await sql(b, `UPDATE case_item SET due_on = '2000-01-03' WHERE id = $1`, [id]);
    expect(await list(b, officerB, 'inbox', 'due=overdue')).toContain(id);
    expect(await b.app.get(CasesService).refreshDueDates()).toBeGreaterThanOrEqual(1);
    expect(await sql(b, `SELECT due_on::text AS due FROM case_item WHERE id = $1`, [id])).toEqual([{ due }]);
    expect(await list(b, officerB, 'inbox', 'due=overdue')).not.toContain(id);
    expect(await b.app.get(CasesService).refreshDueDates()).toBe(0);
    // Days that are not on the calendar, and a day too far off to count working days to, are
    // refused with their field named.
    for (const [query, message] of [
      ['due=overdue&asOf=2026-02-30', /asOf must be a calendar date/],
      ['dueBefore=0000-01-01', /dueBefore must be a calendar date/],
      ['due=due-soon&asOf=9999-12-31', /asOf must be within 366 days of today/],
    ] as const) {
      const refused = await b.request('GET', `/cases?box=inbox&${query}`, { token: officerB.token });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ message: expect.stringMatching(message) });
    }
    const badFigures = await a.request('GET', '/cases/figures?from=2026-99-99&to=2026-12-31', {
      token: officerA.token,
    });
    expect(badFigures.status).toBe(400);

    const figures = (
      await call<{ figures: { role: string; peerRegion: string; sent: number; received: number }[] }>(
        a,
        officerA,
        'GET',
        `/cases/figures?from=${atB.receivedOn}&to=${atB.receivedOn}`,
      )
    ).json;
    const toB = figures.figures.find((f) => f.role === 'sender' && f.peerRegion === B)!;
    expect(toB.received).toBeGreaterThanOrEqual(1);
    expect(toB.sent).toBeGreaterThanOrEqual(toB.received);
  });

  it('transfers a wrong-region clue once to the competent region, refuses a second transfer and a restricted one', async () => {
    const creditCode = newCreditCode('360102');
    // Sent to C by the officer's choice, with the reason.
    const sent = await call<CaseView>(a, officerA, 'POST', '/cases/clues', {
      ...complaint(creditCode),
      to: C,
      overrideReason: 'the transfer letter names a warehouse in 370000',
    });
    expect(sent.json.jurisdiction).toMatchObject({
      region: C,
      basis: 'override',
      overrideReason: 'the transfer letter names a warehouse in 370000',
    });
    const id = sent.json.id;
    await held(c, officerC, id, 2);
    const transferred = await stepAt(
      c,
      officerC,
      id,
      { action: 'transfer', toRegion: B, reason: 'the seller operates in 360102' },
      3,
    );
    expect(transferred.state).toBe('transferred');
    expect((await held(a, officerA, id, 3)).state).toBe('transferred');

    // B receives it as a clue from C, marked as transferred, with the evidence handed on.
    const inbox = await eventually(
      async () => {
        const listed = (
          await call<(ListedCase & { transferredFrom: { caseId: string } | null })[]>(
            b,
            officerB,
            'GET',
            '/cases?box=inbox',
          )
        ).json;
        return listed.find((x) => x.transferredFrom?.caseId === id);
      },
      20_000,
      'the transferred clue at B',
    );
    const atB = await held(b, officerB, inbox.id, 2);
    expect(atB).toMatchObject({ peerRegion: C, transferredFrom: { region: A, caseId: id } });
    expect(atB.files).toHaveLength(1);
    const again = await step(b, officerB, inbox.id, { action: 'transfer', toRegion: C, reason: 'try again' });
    expect({ status: again.status, code: again.json.code }).toEqual({
      status: 409,
      code: 'CASE_TRANSFER_LIMIT',
    });

    // What B does with it comes back to A through C, with B's own signatures.
    await stepAt(b, officerB, inbox.id, { action: 'accept' }, 3);
    const followed = await eventually(
      async () => {
        const atA = (await view(a, officerA, id)) as CaseView & {
          onward: {
            caseId: string;
            region: string;
            state: string;
            steps: { action: string; signature: { verified: boolean } }[];
          } | null;
        };
        // Each relay is an event of its own; they may arrive in any order, and A merges them by step.
        return atA.onward?.state === 'accepted' && atA.onward.steps.length === 2 ? atA.onward : undefined;
      },
      20_000,
      'the onward case at A',
    );
    expect(followed).toMatchObject({ caseId: inbox.id, region: B });
    expect(followed.steps.map((s) => s.action)).toEqual(['receive', 'accept']);
    for (const s of followed.steps) expect(s.signature.verified).toBe(true);
    // A clue the sender may not have passed on stays where it was sent.
    const restricted = await call<CaseView>(a, officerA, 'POST', '/cases/clues', {
      ...complaint(creditCode),
      to: C,
      overrideReason: 'test of restrictions',
      restrictions: { noOnwardTransfer: true },
    });
    await held(c, officerC, restricted.json.id, 2);
    const refused = await step(c, officerC, restricted.json.id, {
      action: 'transfer',
      toRegion: B,
      reason: 'competent region',
    });
    expect({ status: refused.status, code: refused.json.code }).toEqual({
      status: 403,
      code: 'CASE_TRANSFER_RESTRICTED',
    });
    expect((await view(c, officerC, restricted.json.id)).state).toBe('received');
  });

  it('carries an evidence file too large for a JSON request, uploaded first, and refuses one over the limit', async () => {
    const upload = (bytes: Buffer, name: string) =>
      fetch(`${a.url}/cases/evidence?name=${encodeURIComponent(name)}&mediaType=video/mp4`, {
        method: 'POST',
        headers: { authorization: `Bearer ${officerA.token}`, 'content-type': 'application/octet-stream' },
        body: bytes,
      });
    const video = Buffer.alloc(3 * 1024 * 1024 + 7, 0);
    for (let i = 0; i < video.length; i++) video[i] = (i * 7919) % 251;
    const sha256 = createHash('sha256').update(video).digest('hex');
    const uploaded = await upload(video, 'unboxing.mp4');
    expect(uploaded.status).toBe(201);
    expect(await uploaded.json()).toEqual({
      sha256,
      size: video.length,
      name: 'unboxing.mp4',
      mediaType: 'video/mp4',
    });

    const sent = await call<CaseView>(a, officerA, 'POST', '/cases/clues', {
      ...complaint(newCreditCode('360102')),
      uploads: [sha256],
    });
    expect(sent.status).toBe(201);
    const atB = await held(b, officerB, sent.json.id, 2);
    expect(atB.files).toEqual(
      expect.arrayContaining([expect.objectContaining({ sha256, size: video.length, name: 'unboxing.mp4' })]),
    );
    const file = await b.request('GET', `/cases/${sent.json.id}/files/${sha256}`, { token: officerB.token });
    expect(
      createHash('sha256')
        .update(Buffer.from(await file.arrayBuffer()))
        .digest('hex'),
    ).toBe(sha256);

    const tooLarge = await upload(Buffer.alloc(8 * 1024 * 1024 + 1), 'too-large.bin');
    expect({ status: tooLarge.status, code: ((await tooLarge.json()) as { code: string }).code }).toEqual({
      status: 413,
      code: 'CASE_EVIDENCE_TOO_LARGE',
    });
    // The rest of that body is not read, so the connection is not kept for another request.
    expect(tooLarge.headers.get('connection')).toBe('close');
    // Another officer's upload, or none at all, cannot be attached by its digest.
    const unknown = await call(a, officerA, 'POST', '/cases/clues', {
      ...complaint(newCreditCode('360102')),
      uploads: ['0'.repeat(64)],
    });
    expect({ status: unknown.status, code: unknown.json.code }).toEqual({
      status: 400,
      code: 'CASE_EVIDENCE_INVALID',
    });
  });

  it('answers an assistance request with a file, after asking once for more time', async () => {
    const creditCode = newCreditCode('360104');
    const asked = await call<CaseView>(a, officerA, 'POST', '/cases/assists', {
      request: {
        entity: { creditCode },
        ask: 'verify-address',
        details: 'Please confirm whether the entity operates at its registered address.',
        caseReference: '杭市监协〔2026〕9号',
      },
    });
    expect(asked.status).toBe(201);
    expect(asked.json).toMatchObject({
      kind: 'assist',
      peerRegion: B,
      jurisdiction: { region: B, basis: 'operator-code' },
    });
    const id = asked.json.id;
    const atB = await held(b, officerB, id, 2);
    const due = atB.deadline.due!;
    const later = await stepAt(
      b,
      officerB,
      id,
      { action: 'request-more-time', reason: 'site visit scheduled', workingDays: 5 },
      3,
    );
    expect(later.deadline.due! > due).toBe(true);
    const again = await step(b, officerB, id, {
      action: 'request-more-time',
      reason: 'again',
      workingDays: 5,
    });
    expect(again.json.code).toBe('CASE_MORE_TIME_USED');
    const photo = Buffer.from('site visit photo', 'utf8');
    await stepAt(
      b,
      officerB,
      id,
      {
        action: 'answer',
        answer: 'Visited on site: the entity operates at its registered address.',
        evidence: [{ name: 'visit.txt', mediaType: 'text/plain', contentBase64: photo.toString('base64') }],
      },
      4,
    );
    // A pulls the answer's file from B and checks it before applying the answer.
    const atA = await held(a, officerA, id, 4);
    expect(atA.state).toBe('answered');
    const sha256 = createHash('sha256').update(photo).digest('hex');
    expect(atA.files).toEqual([expect.objectContaining({ sha256, size: photo.length })]);
    const file = await a.request('GET', `/cases/${id}/files/${sha256}`, { token: officerA.token });
    expect(Buffer.from(await file.arrayBuffer())).toEqual(photo);
    await stepAt(a, officerA, id, { action: 'close' }, 5);
    const endB = await held(b, officerB, id, 5);
    expect(endB.state).toBe('closed');
    for (const s of endB.steps) expect(s.signature.verified).toBe(true);
  });

  it('never dates the receipt before the send, with the receiver’s clock a little behind the sender’s at midnight', async () => {
    const day = chinaDay(0);
    const nextDay = chinaDay(1);
    /** Sets a node's clock to `at` from now on, running on from there. */
    const setClock = (node: TestNode, at: string) => {
      const clock = node.app.get(Clock);
      const real = clock.now.bind(clock);
      const offset = Date.parse(at) - real().getTime();
      clock.now = () => new Date(real().getTime() + offset);
    };
    // The sender just past midnight in China, the receiver some seconds before it (margin enough
    // for the receipt to be signed before its midnight; checked below).
    setClock(a, `${nextDay}T00:00:02+08:00`);
    setClock(b, `${day}T23:59:45+08:00`);
    try {
      const sent = await call<CaseView>(
        a,
        officerA,
        'POST',
        '/cases/clues',
        complaint(newCreditCode('360104')),
      );
      expect(sent.status).toBe(201);
      const id = sent.json.id;
      const [atB, atA] = [await held(b, officerB, id, 2), await held(a, officerA, id, 2)];
      // The receiver signed its receipt while it was still the day before the send by its clock.
      const receipt = parseEnvelope(atB.steps[1]!.envelope, Number.MAX_SAFE_INTEGER);
      expect(chinaCalendarDate(new Date(receipt.claims.iat * 1000))).toBe(day);

      for (const end of [atA, atB]) {
        expect(end.steps.map((s) => [s.seq, s.action, s.by, s.on])).toEqual([
          [1, 'send', A, nextDay],
          [2, 'receive', B, nextDay],
        ]);
        expect(end).toMatchObject({ state: 'received', receivedOn: nextDay });
      }
      expect(atA.deadline.dueDate).toBe(atB.deadline.dueDate);
      expect(atB.deadline.dueDate! > nextDay).toBe(true);

      // An officer at B acting in those same seconds (still the day before, by B's clock) dates the
      // step the day of the one before it, rather than being refused.
      setClock(b, `${day}T23:59:50+08:00`);
      const accepted = await step(b, officerB, id, { action: 'accept' });
      expect(accepted.status).toBe(201);
      expect(accepted.json.steps.at(-1)).toMatchObject({ action: 'accept', on: nextDay });

      // From the send to its receipt: 0 days, at both ends.
      type Figures = { figures: { role: string; peerRegion: string; medianDays: Record<string, number> }[] };
      const query = `/cases/figures?from=${nextDay}&to=${nextDay}`;
      const sentFigures = (await call<Figures>(a, officerA, 'GET', query)).json.figures;
      const receivedFigures = (await call<Figures>(b, officerB, 'GET', query)).json.figures;
      expect(sentFigures.find((f) => f.role === 'sender' && f.peerRegion === B)?.medianDays.receive).toBe(0);
      expect(
        receivedFigures.find((f) => f.role === 'receiver' && f.peerRegion === A)?.medianDays.receive,
      ).toBe(0);
    } finally {
      for (const node of [a, b]) Reflect.deleteProperty(node.app.get(Clock), 'now');
    }
  });

  it('refuses a clue whose evidence file does not match its digest, and applies nothing of it', async () => {
    await b.close();
    const sent = await call<CaseView>(
      a,
      officerA,
      'POST',
      '/cases/clues',
      complaint(newCreditCode('360102')),
    );
    const id = sent.json.id;
    // The file changes after its digest was signed, before the receiver pulls it.
    await sql(
      a,
      `UPDATE case_file SET content = convert_to('order 2026-11-02 #88231: genuine goods', 'UTF8') WHERE case_id = $1`,
      [id],
    );
    b = await bootTestNode(b.env);
    const outcome = await eventually(
      async () => {
        const [row] = await sql<{ status: string; receipt_code: string | null }>(
          a,
          `SELECT status, receipt_code FROM federation_outbox
          WHERE id = (SELECT envelope_id FROM case_step WHERE case_id = $1 AND seq = 1)`,
          [id],
        );
        return row && row.status !== 'pending' ? row : undefined;
      },
      30_000,
      'the delivery of the clue',
    );
    expect(outcome).toEqual({ status: 'rejected', receipt_code: 'CASE_EVIDENCE_MISMATCH' });
    // The sending officer sees that the clue did not arrive, and why.
    expect((await view(a, officerA, id)).steps[0]).toMatchObject({
      seq: 1,
      delivery: { status: 'rejected', code: 'CASE_EVIDENCE_MISMATCH' },
    });
    expect(await sql(b, 'SELECT 1 FROM case_item WHERE id = $1', [id])).toEqual([]);
    expect(await sql(b, 'SELECT 1 FROM case_step WHERE case_id = $1', [id])).toEqual([]);
    expect(await sql(b, 'SELECT 1 FROM case_file WHERE case_id = $1', [id])).toEqual([]);
  });

  // Last: it renews the agreement the other tests use.
  it('carries a running clue on under the renewal of its agreement', async () => {
    const { id } = await receivedClue('360103');

    // The yearly renewal: a first attempt declined, then one countersigned, in force from today,
    // the old version superseded.
    const admin = async <T>(node: TestNode, method: string, path: string, body?: unknown) =>
      (await node.request(method, path, { token: await node.adminToken(), body })).json() as Promise<T>;
    const declined = await admin<{ id: string }>(a, 'POST', `/agreements/${agreementAB}/renew`, {});
    await admin(a, 'POST', `/agreements/${declined.id}/propose`);
    const stateAt = (node: TestNode, agreement: string, state: string) =>
      eventually(
        async () =>
          (await admin<{ state: string }>(node, 'GET', `/agreements/${agreement}`)).state === state
            ? true
            : undefined,
        15_000,
        `${agreement} ${state} at ${node.config.node.region}`,
      );
    await stateAt(b, declined.id, 'pending');
    await admin(b, 'POST', `/agreements/${declined.id}/decline`, { reason: 'the quota is too low' });
    await stateAt(a, declined.id, 'declined');
    const renewal = await admin<{ id: string }>(a, 'POST', `/agreements/${agreementAB}/renew`, {});
    await admin(a, 'POST', `/agreements/${renewal.id}/propose`);
    await stateAt(b, renewal.id, 'pending');
    expect(await admin<{ state: string }>(b, 'POST', `/agreements/${renewal.id}/countersign`)).toMatchObject({
      state: 'active',
    });
    for (const node of [a, b]) await stateAt(node, agreementAB, 'superseded');

    // The receiving region goes on with the clue; the sender sees it, under the renewal.
    await stepAt(b, officerB, id, { action: 'accept' }, 3);
    const atA = await held(a, officerA, id, 3);
    expect(atA.state).toBe('accepted');
    const [step3] = await sql<{ envelope: string }>(
      b,
      'SELECT envelope FROM case_step WHERE case_id = $1 AND seq = 3',
      [id],
    );
    expect(parseEnvelope(step3!.envelope, Number.MAX_SAFE_INTEGER).claims.agreement).toBe(renewal.id);
  });
});
