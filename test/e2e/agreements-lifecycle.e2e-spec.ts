import { Matches } from 'class-validator';
import { AgreementGate, AgreementsService } from '@regulink/agreements';
import { Clock, MessageRegistry } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import {
  countersignAgreement,
  importPublicKey,
  verifyAgreementDocument,
  type EnvelopeClaims,
  type PublicSigningJwk,
} from '@regulink/protocol';
import { bootNodes, connectAll, eventually } from '../support/federation';
import {
  adminApi,
  agreementInState,
  chinaDay,
  publicKeys,
  refusedAtSender,
  sendAndSettle,
  sendDirect,
  type AgreementView,
} from '../support/agreements';
import { sql, type TestNode } from '../support/test-node';

/** The body of every test message type below; only its scope differs. */
class RecordBody {
  @Matches(/^[a-z0-9-]{1,32}$/)
  ref!: string;
}

const A = '330000';
const B = '370000';
const C = '360000';

/**
 * The parts of an agreement's life beyond its first signature: a partner declining a proposal, a
 * renewal that takes over from the version it supersedes, and an agreement between three regions
 * that is in force only once all three have signed, and ends for all when one revokes it.
 */
describe('cooperation agreements: decline, renewal, three parties', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;

  beforeAll(async () => {
    [a, b, c] = (await bootNodes([A, B, C], 'tcp')) as [TestNode, TestNode, TestNode];
    await connectAll([a, b, c]);
    for (const node of [a, b, c]) {
      for (const [type, scope] of [
        ['test.shop-record', 'shop.sync'],
        ['test.landing', 'landing.result'],
        ['test.clue', 'clue.transfer'],
        ['test.assist', 'assist.request'],
      ] as const) {
        node.app.get(MessageRegistry).register<RecordBody>({
          type,
          kind: 'event',
          scope,
          body: RecordBody,
          apply: async () => undefined,
        });
      }
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
  });

  const api = adminApi;
  const stateOf = agreementInState;
  const send = sendAndSettle;
  const direct = (from: TestNode, to: TestNode, overrides: Partial<EnvelopeClaims>) =>
    sendDirect(from, to, { type: 'test.shop-record', body: { ref: 'direct' }, ...overrides });

  /** Drafts on A and proposes to the partners; returns the id once every partner holds it as pending. */
  async function propose(partners: TestNode[], overrides: Record<string, unknown>): Promise<string> {
    const drafted = await api<AgreementView>(a, 'POST', '/agreements', {
      title: 'lifecycle',
      partners: partners.map((p) => p.config.node.region),
      validFrom: chinaDay(0),
      validUntil: chinaDay(30),
      ...overrides,
    });
    expect(drafted.status).toBe(201);
    const { id } = drafted.json;
    expect((await api<AgreementView>(a, 'POST', `/agreements/${id}/propose`)).json.state).toBe('proposed');
    for (const partner of partners) await stateOf(partner, id, 'pending');
    return id;
  }

  /** The claims of an envelope as a node stored it, sent or received. */
  async function storedClaims(
    node: TestNode,
    table: 'federation_outbox' | 'federation_inbox',
    id: string,
  ): Promise<EnvelopeClaims> {
    const [row] = await sql<{ envelope: string }>(node, `SELECT envelope FROM ${table} WHERE id = $1`, [id]);
    return JSON.parse(Buffer.from(row!.envelope.split('.')[1]!, 'base64url').toString()) as EnvelopeClaims;
  }

  it('lets a partner decline a pending proposal: declined on both nodes, the reason in both trails, never in force', async () => {
    const id = await propose([b], {
      title: 'to be declined',
      scopes: [{ scope: 'clue.transfer', from: A, to: B }],
    });
    const { json: pending } = await api<AgreementView>(b, 'GET', `/agreements/${id}`);

    const declined = await api<AgreementView>(b, 'POST', `/agreements/${id}/decline`, {
      reason: 'scope too broad',
    });
    expect(declined.status).toBe(200);
    expect(declined.json.state).toBe('declined');
    const onB = declined.json.history.at(-1)!;
    expect(onB).toMatchObject({ action: 'declined', region: B, actor: 'admin', reason: 'scope too broad' });
    // A learns it from B's signed envelope, the same one B recorded sending.
    const onA = await stateOf(a, id, 'declined');
    expect(onA.history.at(-1)).toMatchObject({
      action: 'declined',
      region: B,
      actor: `node ${B}`,
      reason: 'scope too broad',
      messageId: onB.messageId,
    });
    expect(onB.messageId).not.toBeNull();

    expect(await api(b, 'POST', `/agreements/${id}/countersign`)).toMatchObject({
      status: 409,
      json: { code: 'AGREEMENT_WRONG_STATE' },
    });
    expect(await api(a, 'POST', `/agreements/${id}/propose`)).toMatchObject({
      status: 409,
      json: { code: 'AGREEMENT_WRONG_STATE' },
    });
    // Even a genuine countersignature by B arriving after the decline does not bring it into force:
    // it is in A's trail as having had no effect, and not added to A's document.
    const late = await countersignAgreement(pending.document!, B, b.app.get(NodeIdentityService).signer());
    await direct(b, a, { type: 'agreement.countersign', body: { document: late } });
    const afterLate = (await api<AgreementView>(a, 'GET', `/agreements/${id}`)).json;
    expect(afterLate.state).toBe('declined');
    expect(afterLate.signers.map((s) => s.region)).toEqual([A]);
    expect(afterLate.history.at(-1)).toMatchObject({
      action: 'countersigned',
      region: B,
      noEffect: 'was declined',
    });

    expect(await refusedAtSender(a, B, 'test.clue', { ref: 'x' })).toBe('AGREEMENT_NOT_ACTIVE');
    expect(await direct(a, b, { type: 'test.clue', agreement: id })).toMatchObject({
      status: 'rejected',
      code: 'AGREEMENT_NOT_ACTIVE',
    });
  });

  it('renews an agreement: the new version takes over on both nodes once signed, and the old one is refused', async () => {
    const oldId = await propose([b], {
      title: 'to be renewed',
      scopes: [
        { scope: 'shop.sync', from: A, to: B },
        { scope: 'landing.result', from: A, to: B },
      ],
    });
    await api(b, 'POST', `/agreements/${oldId}/countersign`);
    await stateOf(a, oldId, 'active');

    // Three renewals at once (a double click, say): one is drafted, the others would compete with it.
    const attempts = await Promise.all(
      [0, 1, 2].map(() =>
        api<AgreementView & { code: string; message: string }>(a, 'POST', `/agreements/${oldId}/renew`, {
          scopes: [
            { scope: 'shop.sync', from: A, to: B },
            { scope: 'landing.result', from: A, to: B, dailyQuota: 1 },
          ],
          validUntil: chinaDay(90),
        }),
      ),
    );
    expect(attempts.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const renewed = attempts.find((r) => r.status === 201)!;
    expect(renewed.json).toMatchObject({
      state: 'draft',
      supersedes: oldId,
      parties: [A, B],
      validUntil: chinaDay(90),
    });
    const newId = renewed.json.id;
    expect(newId).not.toBe(oldId);
    for (const refused of attempts.filter((r) => r.status === 409)) {
      expect(refused.json).toMatchObject({ code: 'AGREEMENT_WRONG_STATE' });
      expect(refused.json.message).toContain(`already has a renewal under way: ${newId}`);
    }
    expect(await sql(a, `SELECT id FROM agreement WHERE terms->>'supersedes' = $1`, [oldId])).toEqual([
      { id: newId },
    ]);

    // Until every party has signed the renewal, the old version carries the exchanges.
    const before = await send(a, B, 'test.shop-record', { ref: 'before-renewal' });
    expect(before.status).toBe('delivered');
    expect((await storedClaims(a, 'federation_outbox', before.id)).agreement).toBe(oldId);

    await api(a, 'POST', `/agreements/${newId}/propose`);
    expect((await stateOf(b, newId, 'pending')).supersedes).toBe(oldId);
    expect((await api<AgreementView>(b, 'GET', `/agreements/${oldId}`)).json.state).toBe('active');
    const signed = await api<AgreementView>(b, 'POST', `/agreements/${newId}/countersign`);
    expect(signed.json.state).toBe('active');
    await stateOf(a, newId, 'active');
    for (const node of [a, b]) {
      const retired = await stateOf(node, oldId, 'superseded');
      expect(retired.history.at(-1)).toMatchObject({ action: 'superseded', reason: `renewed as ${newId}` });
    }

    const after = await send(a, B, 'test.shop-record', { ref: 'after-renewal' });
    expect(after.status).toBe('delivered');
    expect((await storedClaims(a, 'federation_outbox', after.id)).agreement).toBe(newId);
    expect((await storedClaims(b, 'federation_inbox', after.id)).agreement).toBe(newId);
    // The renewed terms are the ones applied: one landing result a day.
    expect(await send(a, B, 'test.landing', { ref: 'landing-1' })).toMatchObject({ status: 'delivered' });
    expect(await refusedAtSender(a, B, 'test.landing', { ref: 'landing-2' })).toBe('QUOTA_EXCEEDED');

    expect(await direct(a, b, { agreement: oldId })).toMatchObject({
      status: 'rejected',
      code: 'AGREEMENT_NOT_ACTIVE',
    });
  });

  it('binds three regions only once all three have signed, and ends for all when one of them revokes', async () => {
    const id = await propose([b, c], {
      title: 'three regions',
      scopes: [
        { scope: 'assist.request', from: A, to: B },
        { scope: 'assist.request', from: B, to: C },
      ],
    });
    const signers = (view: AgreementView) => view.signers.map((s) => s.region).sort();

    expect((await api<AgreementView>(b, 'POST', `/agreements/${id}/countersign`)).status).toBe(200);
    // Once A and C hold B's signature, they have applied it: still waiting for C.
    for (const node of [a, c]) {
      await eventually(
        async () => {
          const { json } = await api<AgreementView>(node, 'GET', `/agreements/${id}`);
          return signers(json).includes(B) ? json : undefined;
        },
        15_000,
        `B's signature on ${node.config.node.region}`,
      );
    }
    const states = await Promise.all(
      [a, b, c].map(async (n) => (await api<AgreementView>(n, 'GET', `/agreements/${id}`)).json.state),
    );
    expect(states).toEqual(['proposed', 'proposed', 'pending']);
    expect(await refusedAtSender(a, B, 'test.assist', { ref: 'x' })).toBe('AGREEMENT_NOT_ACTIVE');

    const last = await api<AgreementView>(c, 'POST', `/agreements/${id}/countersign`);
    expect(last.json.state).toBe('active');
    const views = [last.json, await stateOf(a, id, 'active'), await stateOf(b, id, 'active')];
    // Each node's copy verifies, from the three nodes' published keys alone, with all three signatures.
    const keys: Record<string, PublicSigningJwk[]> = {
      [A]: await publicKeys(a),
      [B]: await publicKeys(b),
      [C]: await publicKeys(c),
    };
    for (const view of views) {
      expect(view.parties).toEqual([A, B, C].sort());
      expect(signers(view)).toEqual([A, B, C].sort());
      const verified = await verifyAgreementDocument(view.document, (region, kid) => {
        const jwk = keys[region]?.find((k) => k.kid === kid);
        return jwk ? importPublicKey(jwk) : undefined;
      });
      expect(verified.complete).toBe(true);
      expect(verified.signers.map((s) => s.region).sort()).toEqual([A, B, C].sort());
    }
    const sent = await send(a, B, 'test.assist', { ref: 'three-party' });
    expect(sent.status).toBe('delivered');
    expect((await storedClaims(a, 'federation_outbox', sent.id)).agreement).toBe(id);

    const revoked = await api<AgreementView>(c, 'POST', `/agreements/${id}/revoke`, { reason: 'pilot over' });
    expect(revoked.json.state).toBe('revoked');
    for (const node of [a, b]) {
      const view = await stateOf(node, id, 'revoked');
      expect(view.history.at(-1)).toMatchObject({
        action: 'revoked',
        region: C,
        actor: `node ${C}`,
        reason: 'pilot over',
      });
    }
    expect(await refusedAtSender(a, B, 'test.assist', { ref: 'x' })).toBe('AGREEMENT_REVOKED');
    expect(await direct(a, b, { type: 'test.assist', agreement: id })).toMatchObject({
      status: 'rejected',
      code: 'AGREEMENT_REVOKED',
    });
  });

  it('keeps a countersignature that arrives while this node countersigns: the last signer activates', async () => {
    const id = await propose([b, c], {
      title: 'crossing countersignatures',
      scopes: [{ scope: 'assist.request', from: A, to: B }],
    });
    const { json: pending } = await api<AgreementView>(b, 'GET', `/agreements/${id}`);
    const byC = await countersignAgreement(pending.document!, C, c.app.get(NodeIdentityService).signer());

    // C's countersignature reaches B after B's countersign has read the agreement, before it writes.
    const service = b.app.get(AgreementsService) as unknown as Record<
      string,
      (id: string) => Promise<unknown>
    >;
    const read = service.require!.bind(service);
    let received: unknown;
    service.require = async (agreementId) => {
      const held = await read(agreementId);
      received ??= await direct(c, b, {
        type: 'agreement.countersign',
        agreement: id,
        body: { document: byC },
      });
      return held;
    };
    let signed;
    try {
      signed = await api<AgreementView>(b, 'POST', `/agreements/${id}/countersign`);
    } finally {
      Reflect.deleteProperty(service, 'require');
    }
    expect(received).toMatchObject({ status: 'accepted' });
    expect(signed.status).toBe(200);
    expect(signed.json.state).toBe('active');
    expect(signed.json.signers.map((s) => s.region).sort()).toEqual([A, B, C].sort());
    expect((await api<AgreementView>(b, 'GET', `/agreements/${id}`)).json.state).toBe('active');
  });

  it('keeps the old version in force until a renewal signed ahead of time reaches its first day', async () => {
    const oldId = await propose([b], {
      title: 'renewed ahead of time',
      scopes: [{ scope: 'shop.sync', from: A, to: B }],
    });
    await api(b, 'POST', `/agreements/${oldId}/countersign`);
    await stateOf(a, oldId, 'active');
    const renewed = await api<AgreementView>(a, 'POST', `/agreements/${oldId}/renew`, {
      validFrom: chinaDay(2),
      validUntil: chinaDay(60),
    });
    const newId = renewed.json.id;
    await api(a, 'POST', `/agreements/${newId}/propose`);
    await stateOf(b, newId, 'pending');
    expect((await api<AgreementView>(b, 'POST', `/agreements/${newId}/countersign`)).json.state).toBe(
      'active',
    );
    await stateOf(a, newId, 'active');

    // Signed by all, not in force yet: the old version still carries the exchanges, on both nodes.
    for (const node of [a, b]) {
      expect((await api<AgreementView>(node, 'GET', `/agreements/${oldId}`)).json.state).toBe('active');
    }
    const meanwhile = await send(a, B, 'test.shop-record', { ref: 'meanwhile' });
    expect(meanwhile.status).toBe('delivered');
    expect((await storedClaims(a, 'federation_outbox', meanwhile.id)).agreement).toBe(oldId);

    // On the renewal's first day the sweep retires the old version on each node, and the renewal carries.
    const clocks = [a, b].map((node) => node.app.get(Clock));
    for (const clock of clocks) {
      const real = clock.now.bind(clock);
      clock.now = () => new Date(real().getTime() + 2 * 86_400_000);
    }
    try {
      for (const node of [a, b]) await node.app.get(AgreementsService).expireDue();
      for (const node of [a, b]) {
        const retired = (await api<AgreementView>(node, 'GET', `/agreements/${oldId}`)).json;
        expect(retired.state).toBe('superseded');
        expect(retired.history.at(-1)).toMatchObject({
          action: 'superseded',
          actor: 'system',
          reason: `renewed as ${newId}`,
        });
      }
      const chosen = await a.app.get(AgreementGate).senderAgreement('shop.sync', B);
      expect(chosen).toMatchObject({ agreement: { id: newId } });
    } finally {
      for (const clock of clocks) Reflect.deleteProperty(clock, 'now');
    }
  });

  it('lets no two renewals drafted at both nodes at once both come into force', async () => {
    const oldId = await propose([b], {
      title: 'renewed from both sides',
      scopes: [{ scope: 'shop.sync', from: A, to: B }],
    });
    await api(b, 'POST', `/agreements/${oldId}/countersign`);
    await stateOf(a, oldId, 'active');
    // Each side drafts a renewal before the other's proposal has arrived, then proposes it.
    const byA = (await api<AgreementView>(a, 'POST', `/agreements/${oldId}/renew`, {})).json.id;
    const byB = (await api<AgreementView>(b, 'POST', `/agreements/${oldId}/renew`, {})).json.id;
    await api(a, 'POST', `/agreements/${byA}/propose`);
    await api(b, 'POST', `/agreements/${byB}/propose`);
    await stateOf(b, byA, 'pending');
    await stateOf(a, byB, 'pending');

    // Neither countersigns the other's while its own is under way.
    for (const [node, other, own] of [
      [a, byB, byA],
      [b, byA, byB],
    ] as const) {
      const refused = await api<{ code: string; message: string }>(
        node,
        'POST',
        `/agreements/${other}/countersign`,
      );
      expect(refused).toMatchObject({ status: 409, json: { code: 'AGREEMENT_WRONG_STATE' } });
      expect(refused.json.message).toContain(own);
    }
    // B withdraws its own; A's can then be signed, and only it comes into force.
    expect(
      (await api(b, 'POST', `/agreements/${byB}/revoke`, { reason: 'one renewal is enough' })).status,
    ).toBe(200);
    await stateOf(a, byB, 'revoked');
    expect((await api<AgreementView>(b, 'POST', `/agreements/${byA}/countersign`)).json.state).toBe('active');
    await stateOf(a, byA, 'active');
  });
});
