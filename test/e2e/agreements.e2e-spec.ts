import { IsOptional, IsString, Matches } from 'class-validator';
import { generateKeyPair } from 'jose';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { Clock, FederationTransport, MessageRegistry, OutboxService } from '@regulink/federation';
import { AgreementsService } from '@regulink/agreements';
import { NodeIdentityService } from '@regulink/identity';
import {
  canonicalJson,
  countersignAgreement,
  importPublicKey,
  keyedHash,
  proposeAgreement,
  signEnvelope,
  toPublicSigningJwk,
  verifyAgreementDocument,
  type AgreementDocument,
  type AgreementTerms,
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

/** A business message of the `shop.sync` scope carrying personal fields, as the registry will send. */
class ShopRecordBody {
  @Matches(/^[a-z0-9-]{1,32}$/)
  shopId!: string;

  @IsOptional()
  @IsString()
  operatorName?: string;

  @IsOptional()
  @IsString()
  residentId?: string;

  @IsOptional()
  @IsString()
  phone?: string;
}

const A = '330000';
const B = '370000';
const RESIDENT_ID = '11010519491231002X';
const DAY_MS = 86_400_000;

/**
 * Two regions negotiate a cooperation agreement through their admin APIs, then every exchange of
 * business data between them is held to it: at the sender where it can know, at the receiver
 * regardless of what the sender did.
 */
describe('cooperation agreements', () => {
  let a: TestNode;
  let b: TestNode;
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    [a, b] = (await bootNodes([A, B], 'tcp')) as [TestNode, TestNode];
    await connectAll([a, b]);
    for (const [node, type, scope] of [
      [a, 'test.shop-record', 'shop.sync'],
      [b, 'test.shop-record', 'shop.sync'],
      [a, 'test.landing', 'landing.result'],
      [b, 'test.landing', 'landing.result'],
      [a, 'test.clue', 'clue.transfer'],
      [b, 'test.clue', 'clue.transfer'],
    ] as const) {
      node.app.get(MessageRegistry).register<ShopRecordBody>({
        type,
        kind: 'event',
        scope,
        personalFields: { operatorName: 'personName', residentId: 'residentId', phone: 'phone' },
        body: ShopRecordBody,
        apply: async ({ body }) => {
          if (node === b) received.push({ type, ...body });
        },
      });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const api = adminApi;
  const stateOf = agreementInState;
  const sendFromA = (type: string, body: Record<string, unknown>) => sendAndSettle(a, B, type, body);
  const direct = (from: TestNode, to: TestNode, overrides: Partial<EnvelopeClaims>) =>
    sendDirect(from, to, { type: 'test.shop-record', body: { shopId: 'direct' }, ...overrides });

  /** Drafts on A, proposes, countersigns on B; returns the agreement as A holds it. */
  async function negotiate(overrides: Record<string, unknown> = {}): Promise<AgreementView> {
    const drafted = await api<AgreementView>(a, 'POST', '/agreements', {
      title: 'Zhejiang–Shandong shop landing',
      partners: [B],
      scopes: [
        { scope: 'shop.sync', from: A, to: B },
        { scope: 'landing.result', from: A, to: B, dailyQuota: 3 },
      ],
      fieldPolicy: { personName: 'mask', residentId: 'hash' },
      validFrom: chinaDay(0),
      validUntil: chinaDay(30),
      ...overrides,
    });
    expect(drafted.status).toBe(201);
    expect(drafted.json.state).toBe('draft');
    const { id } = drafted.json;
    expect((await api<AgreementView>(a, 'POST', `/agreements/${id}/propose`)).json.state).toBe('proposed');
    const pending = await stateOf(b, id, 'pending');
    expect(pending.signers.map((s) => s.region)).toEqual([A]);
    const signed = await api<AgreementView>(b, 'POST', `/agreements/${id}/countersign`);
    expect(signed.status).toBe(200);
    expect(signed.json.state).toBe('active');
    return stateOf(a, id, 'active');
  }

  let agreement: AgreementView;

  it('is negotiated end to end: both nodes hold the same document with both valid signatures', async () => {
    agreement = await negotiate();
    const onB = await stateOf(b, agreement.id, 'active');
    expect(agreement.document).toEqual(onB.document);
    expect(agreement.document!.signatures).toHaveLength(2);
    // Verified here from the nodes' published keys alone, as anyone holding the document could.
    const keys: Record<string, PublicSigningJwk[]> = { [A]: await publicKeys(a), [B]: await publicKeys(b) };
    const verified = await verifyAgreementDocument(agreement.document, (region, kid) => {
      const jwk = keys[region]?.find((k) => k.kid === kid);
      return jwk ? importPublicKey(jwk) : undefined;
    });
    expect(verified.complete).toBe(true);
    expect(verified.signers.map((s) => s.region)).toEqual([A, B]);
    expect(agreement.history.map((h) => `${h.region} ${h.action} ${h.actor}`)).toEqual([
      `${A} drafted admin`,
      `${A} proposed admin`,
      `${B} countersigned node ${B}`,
      `${A} activated node ${B}`,
    ]);
    expect(onB.history.map((h) => `${h.region} ${h.action} ${h.actor}`)).toEqual([
      `${A} received node ${A}`,
      `${B} countersigned admin`,
      `${B} activated admin`,
    ]);
  });

  it('refuses a draft whose dates are not calendar days', async () => {
    for (const [validFrom, validUntil] of [
      ['0000-01-01', chinaDay(30)],
      [chinaDay(0), '2027-02-30'],
    ]) {
      const refused = await api<{ code: string; message: string }>(a, 'POST', '/agreements', {
        title: 'Dates that are no days',
        partners: [B],
        scopes: [{ scope: 'shop.sync', from: A, to: B }],
        validFrom,
        validUntil,
      });
      expect(refused).toMatchObject({
        status: 400,
        json: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/must be a calendar date/) },
      });
    }
  });

  it('lets an exchange in scope pass, with personal fields masked or hashed per the field policy before signing', async () => {
    const outcome = await sendFromA('test.shop-record', {
      shopId: 'shop-1',
      operatorName: '张三丰',
      residentId: RESIDENT_ID,
      phone: '13812345678',
    });
    expect(outcome).toMatchObject({ status: 'delivered', code: null });
    const { matchingKey } = JSON.parse(
      Buffer.from(agreement.document!.payload, 'base64url').toString(),
    ) as AgreementTerms;
    expect(received).toContainEqual({
      type: 'test.shop-record',
      shopId: 'shop-1',
      operatorName: '张**',
      residentId: keyedHash(matchingKey, RESIDENT_ID),
    });
    // The phone number, which the policy does not list, never left A: not even in A's signed copy.
    const [row] = await sql<{ envelope: string }>(a, 'SELECT envelope FROM federation_outbox WHERE id = $1', [
      outcome.id,
    ]);
    const payload = Buffer.from(row!.envelope.split('.')[1]!, 'base64url').toString();
    expect(payload).not.toContain('13812345678');
    expect(payload).not.toContain(RESIDENT_ID);
    expect(JSON.parse(payload)).toMatchObject({ agreement: agreement.id });
  });

  it('refuses a scope the agreement does not grant, at the sender and at the receiver', async () => {
    expect(await refusedAtSender(a, B, 'test.clue', { shopId: 'x' })).toBe('SCOPE_NOT_ALLOWED');
    const receipt = await direct(a, b, { type: 'test.clue', agreement: agreement.id });
    expect(receipt).toMatchObject({ status: 'rejected', code: 'SCOPE_NOT_ALLOWED' });
  });

  it('refuses the wrong direction, at the sender and at the receiver', async () => {
    expect(await refusedAtSender(b, A, 'test.shop-record', { shopId: 'x' })).toBe('DIRECTION_NOT_ALLOWED');
    const receipt = await direct(b, a, { agreement: agreement.id });
    expect(receipt).toMatchObject({ status: 'rejected', code: 'DIRECTION_NOT_ALLOWED' });
  });

  it('refuses at the receiver a personal field the policy forbids or a value not treated as it says', async () => {
    const inClear = await direct(a, b, {
      agreement: agreement.id,
      body: { shopId: 'x', residentId: RESIDENT_ID },
    });
    expect(inClear).toMatchObject({ status: 'rejected', code: 'FIELD_NOT_ALLOWED' });
    const forbidden = await direct(a, b, {
      agreement: agreement.id,
      body: { shopId: 'x', phone: '13812345678' },
    });
    expect(forbidden).toMatchObject({ status: 'rejected', code: 'FIELD_NOT_ALLOWED' });
    const unmasked = await direct(a, b, {
      agreement: agreement.id,
      body: { shopId: 'x', operatorName: '张三丰' },
    });
    expect(unmasked).toMatchObject({ status: 'rejected', code: 'FIELD_NOT_ALLOWED' });
    expect(received.filter((r) => r.shopId === 'x')).toEqual([]);
  });

  it('refuses a message naming no agreement, or one the receiver does not hold', async () => {
    expect(await direct(a, b, { agreement: null })).toMatchObject({
      status: 'rejected',
      code: 'NO_AGREEMENT',
    });
    expect(await direct(a, b, { agreement: uuidv7() })).toMatchObject({
      status: 'rejected',
      code: 'NO_AGREEMENT',
    });
  });

  it('counts the daily quota at both ends and refuses what goes over it', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await sendFromA('test.landing', { shopId: `landing-${i}` })).toMatchObject({
        status: 'delivered',
      });
    }
    expect(await refusedAtSender(a, B, 'test.landing', { shopId: 'landing-3' })).toBe('QUOTA_EXCEEDED');
    const receipt = await direct(a, b, {
      type: 'test.landing',
      agreement: agreement.id,
      body: { shopId: 'landing-4' },
    });
    expect(receipt).toMatchObject({ status: 'rejected', code: 'QUOTA_EXCEEDED' });
    // Other scopes are not affected.
    expect(await sendFromA('test.shop-record', { shopId: 'after-quota' })).toMatchObject({
      status: 'delivered',
    });
  });

  it('counts only what is recorded: a replay, a refused body or an undone transaction costs no quota', async () => {
    // A fresh day's counters on both sides (the test before used the quota up).
    for (const node of [a, b]) await sql(node, 'DELETE FROM agreement_usage');
    const used = async (node: TestNode, from: string, to: string) =>
      (
        await sql<{ count: number }>(
          node,
          `SELECT count FROM agreement_usage WHERE agreement_id = $1 AND scope = 'landing.result' AND from_region = $2 AND to_region = $3`,
          [agreement.id, from, to],
        )
      )[0]?.count ?? 0;

    // The receiver: one message counts once, however often it is replayed.
    const now = a.app.get(Clock).nowSeconds();
    const landing: EnvelopeClaims = {
      v: 1,
      id: uuidv7(),
      type: 'test.landing',
      from: A,
      to: B,
      agreement: agreement.id,
      iat: now,
      exp: now + 300,
      body: { shopId: 'counted-once' },
    };
    const envelope = await signEnvelope(landing, a.app.get(NodeIdentityService).signer());
    const wire = a.app.get(FederationTransport);
    for (const expected of ['accepted', 'duplicate', 'duplicate']) {
      const reply = await wire.request(b.config.federation.publicEndpoint, { envelope }, 10_000);
      expect(JSON.parse(Buffer.from(reply.receipt!.split('.')[1]!, 'base64url').toString())).toMatchObject({
        status: expected,
      });
    }
    expect(await used(b, A, B)).toBe(1);
    // A body that fails its schema is refused, and counts nothing.
    expect(
      await direct(a, b, { type: 'test.landing', agreement: agreement.id, body: { shopId: 'NOT VALID' } }),
    ).toMatchObject({ status: 'rejected', code: 'BODY_INVALID' });
    expect(await used(b, A, B)).toBe(1);

    // The sender: a message whose transaction is undone was never queued, and counts nothing.
    const outbox = a.app.get(OutboxService);
    const signed = await outbox.prepare({ to: B, type: 'test.landing', body: { shopId: 'undone' } });
    const undone = await a.app
      .get(DataSource)
      .transaction(async (manager) => {
        await outbox.enqueue(manager, signed);
        throw new Error('the business change failed');
      })
      .catch((e: unknown) => e);
    expect(undone).toEqual(new Error('the business change failed'));
    expect(await used(a, A, B)).toBe(0);
    expect(await sql(a, 'SELECT id FROM federation_outbox WHERE id = $1', [signed.claims.id])).toEqual([]);
    // What is queued is counted, and delivered.
    expect(await sendFromA('test.landing', { shopId: 'queued' })).toMatchObject({ status: 'delivered' });
    expect(await used(a, A, B)).toBe(1);
    expect(await used(b, A, B)).toBe(2);
  });

  it('suspends from either side; only the suspending party resumes', async () => {
    expect(
      (await api<AgreementView>(b, 'POST', `/agreements/${agreement.id}/suspend`, { reason: 'audit' })).json
        .state,
    ).toBe('suspended');
    await stateOf(a, agreement.id, 'suspended');
    expect(await refusedAtSender(a, B, 'test.shop-record', { shopId: 'x' })).toBe('AGREEMENT_SUSPENDED');
    // A newer agreement only proposed does not hide why the one in force stopped.
    const proposal = await api<AgreementView>(a, 'POST', '/agreements', {
      title: 'Zhejiang–Shandong shop landing, renewed',
      partners: [B],
      scopes: [{ scope: 'shop.sync', from: A, to: B }],
      validFrom: chinaDay(0),
      validUntil: chinaDay(60),
    });
    expect((await api<AgreementView>(a, 'POST', `/agreements/${proposal.json.id}/propose`)).json.state).toBe(
      'proposed',
    );
    expect(await refusedAtSender(a, B, 'test.shop-record', { shopId: 'x' })).toBe('AGREEMENT_SUSPENDED');
    const refusedResume = await api<{ code: string }>(a, 'POST', `/agreements/${agreement.id}/resume`);
    expect(refusedResume).toMatchObject({ status: 409, json: { code: 'AGREEMENT_WRONG_STATE' } });
    await api(b, 'POST', `/agreements/${agreement.id}/resume`);
    await stateOf(a, agreement.id, 'active');
    expect(await sendFromA('test.shop-record', { shopId: 'resumed' })).toMatchObject({ status: 'delivered' });
  });

  it('keeps crossing suspensions: each party resumes only its own, in force again once both have', async () => {
    const url = `/agreements/${agreement.id}`;
    // Both administrators suspend at once: each node first applies its own, then the other's.
    const both = await Promise.all(
      [a, b].map((n) => api<AgreementView>(n, 'POST', `${url}/suspend`, { reason: 'incident' })),
    );
    expect(both.map((r) => r.json.state)).toEqual(['suspended', 'suspended']);
    const suspendedByBoth = (n: TestNode) =>
      eventually(
        async () => {
          const { json } = await api<AgreementView>(n, 'GET', url);
          return json.suspendedBy.length === 2 ? json : undefined;
        },
        15_000,
        'both suspensions',
      );
    for (const n of [a, b]) expect((await suspendedByBoth(n)).suspendedBy).toEqual([A, B].sort());
    expect(await api<{ code: string }>(a, 'POST', `${url}/suspend`)).toMatchObject({
      status: 409,
      json: { code: 'AGREEMENT_WRONG_STATE' },
    });

    // A lifts its own suspension: B's still holds, on both nodes.
    const resumedByA = await api<AgreementView>(a, 'POST', `${url}/resume`);
    expect(resumedByA.json).toMatchObject({ state: 'suspended', suspendedBy: [B] });
    await eventually(
      async () =>
        (await api<AgreementView>(b, 'GET', url)).json.suspendedBy.length === 1 ? true : undefined,
      15_000,
      "A's resume at B",
    );
    expect((await api<AgreementView>(b, 'GET', url)).json).toMatchObject({
      state: 'suspended',
      suspendedBy: [B],
    });
    expect(await refusedAtSender(a, B, 'test.shop-record', { shopId: 'x' })).toBe('AGREEMENT_SUSPENDED');

    await api(b, 'POST', `${url}/resume`);
    for (const n of [a, b]) expect((await stateOf(n, agreement.id, 'active')).suspendedBy).toEqual([]);
    expect(await sendFromA('test.shop-record', { shopId: 'both-resumed' })).toMatchObject({
      status: 'delivered',
    });
  });

  /**
   * Runs `act` on `node` with `land` happening after its agreement step has read the agreement and
   * before it locks it: as when a partner's message arrives in between.
   */
  async function landingDuringRead<T>(node: TestNode, land: () => Promise<void>, act: () => Promise<T>) {
    const service = node.app.get(AgreementsService) as unknown as Record<
      string,
      (id: string) => Promise<unknown>
    >;
    const read = service.require!.bind(service);
    let fired = false;
    service.require = async (id) => {
      const held = await read(id);
      if (!fired) {
        fired = true;
        await land();
      }
      return held;
    };
    try {
      return await act();
    } finally {
      Reflect.deleteProperty(service, 'require');
    }
  }

  const suspendedAt = async (node: TestNode) =>
    (
      await sql<{ suspended_by: string[] }>(node, 'SELECT suspended_by FROM agreement WHERE id = $1', [
        agreement.id,
      ])
    )[0]!.suspended_by;

  /** Has `from` suspend the agreement and waits until `to` holds that suspension. */
  async function suspensionLands(from: TestNode, fromRegion: string, to: TestNode) {
    expect(await suspendedAt(to)).not.toContain(fromRegion);
    expect((await api(from, 'POST', `/agreements/${agreement.id}/suspend`, { reason: 'first' })).status).toBe(
      200,
    );
    await eventually(
      async () => ((await suspendedAt(to)).includes(fromRegion) ? true : undefined),
      15_000,
      `${fromRegion}'s suspension to land`,
    );
  }

  it("joins a partner's suspension that lands while this node suspends, rather than refusing its own", async () => {
    const url = `/agreements/${agreement.id}`;
    const joined = await landingDuringRead(
      b,
      () => suspensionLands(a, A, b),
      () => api<AgreementView>(b, 'POST', `${url}/suspend`, { reason: 'second' }),
    );
    expect(joined).toMatchObject({ status: 200, json: { state: 'suspended', suspendedBy: [A, B].sort() } });
    await api(a, 'POST', `${url}/resume`);
    await api(b, 'POST', `${url}/resume`);
    for (const n of [a, b]) expect((await stateOf(n, agreement.id, 'active')).suspendedBy).toEqual([]);
  });

  it('holds what was queued when the agreement is suspended, and delivers it once resumed', async () => {
    // A message waiting in A's outbox (as after a failed attempt) when B suspends the agreement.
    const outbox = a.app.get(OutboxService);
    const queued = await outbox.prepare({ to: B, type: 'test.shop-record', body: { shopId: 'held' } });
    const id = queued.claims.id;
    await a.app.get(DataSource).transaction(async (manager) => {
      await outbox.enqueue(manager, queued);
      await manager.query(
        `UPDATE federation_outbox SET next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
        [id],
      );
    });
    await suspensionLands(b, B, a);
    await sql(a, 'UPDATE federation_outbox SET next_attempt_at = now() WHERE id = $1', [id]);
    const outboxRow = async () =>
      (
        await sql<{
          status: string;
          receipt_code: string | null;
          last_error: string | null;
          attempts: number;
        }>(a, 'SELECT status, receipt_code, last_error, attempts FROM federation_outbox WHERE id = $1', [id])
      )[0];
    // Looked at again and again, and held each time: not settled, and no attempt counted against
    // its backoff (nothing was sent).
    await eventually(
      async () => {
        const row = await outboxRow();
        return row && (row.status !== 'pending' || row.last_error?.startsWith('held')) ? row : undefined;
      },
      15_000,
      'the queued message to be looked at',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // (A round that has just taken it counts an attempt until it gives it back: seen between rounds.)
    const between = await eventually(
      async () => {
        const row = await outboxRow();
        return row?.attempts === 0 ? row : undefined;
      },
      5_000,
      'the held message between two looks',
    );
    expect(between).toMatchObject({
      status: 'pending',
      attempts: 0,
      last_error: expect.stringMatching(/^held: .*suspended/),
    });
    expect(await sql(b, 'SELECT id FROM federation_inbox WHERE id = $1', [id])).toEqual([]);

    await api(b, 'POST', `/agreements/${agreement.id}/resume`);
    await stateOf(a, agreement.id, 'active');
    const settled = await eventually(
      async () => {
        const row = await outboxRow();
        return row && row.status !== 'pending' ? row : undefined;
      },
      15_000,
      'the held message to be settled',
    );
    expect(settled).toMatchObject({ status: 'delivered', receipt_code: null });
    expect(await sql(b, 'SELECT id FROM federation_inbox WHERE id = $1', [id])).toHaveLength(1);
  });

  it('revokes at once on both sides: the partner within one delivery, and nothing already queued goes out', async () => {
    // A message waiting in A's outbox (as after a failed attempt) when the agreement is revoked.
    const outbox = a.app.get(OutboxService);
    const queued = await outbox.prepare({ to: B, type: 'test.shop-record', body: { shopId: 'queued' } });
    await a.app.get(DataSource).transaction(async (manager) => {
      await outbox.enqueue(manager, queued);
      await manager.query(
        `UPDATE federation_outbox SET next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
        [queued.claims.id],
      );
    });

    // B suspends while A revokes (its suspension lands at A between A's read and its write): the
    // revocation still goes through.
    const revoked = await landingDuringRead(
      a,
      () => suspensionLands(b, B, a),
      () => api<AgreementView>(a, 'POST', `/agreements/${agreement.id}/revoke`, { reason: 'end of pilot' }),
    );
    expect(revoked.json.state).toBe('revoked');
    const revokeMessage = revoked.json.history.find((h) => h.action === 'revoked')!.messageId!;
    // Once A holds B's receipt for the revocation, B has applied it.
    await eventually(
      async () =>
        (
          await sql<{ status: string }>(a, 'SELECT status FROM federation_outbox WHERE id = $1', [
            revokeMessage,
          ])
        )[0]?.status === 'delivered' || undefined,
      15_000,
      'the revocation to be delivered',
    );
    const onB = (await api<AgreementView>(b, 'GET', `/agreements/${agreement.id}`)).json;
    expect(onB.state).toBe('revoked');
    expect(onB.history.at(-1)).toMatchObject({
      action: 'revoked',
      region: A,
      actor: `node ${A}`,
      reason: 'end of pilot',
    });

    await sql(a, 'UPDATE federation_outbox SET next_attempt_at = now() WHERE id = $1', [queued.claims.id]);
    const cancelled = await eventually(
      async () => {
        const [row] = await sql<{ status: string; receipt_code: string | null }>(
          a,
          'SELECT status, receipt_code FROM federation_outbox WHERE id = $1',
          [queued.claims.id],
        );
        return row?.status === 'pending' ? undefined : row;
      },
      15_000,
      'the queued message to be settled',
    );
    expect(cancelled).toEqual({ status: 'cancelled', receipt_code: 'AGREEMENT_REVOKED' });
    expect(await sql(b, 'SELECT id FROM federation_inbox WHERE id = $1', [queued.claims.id])).toEqual([]);

    expect(await refusedAtSender(a, B, 'test.shop-record', { shopId: 'x' })).toBe('AGREEMENT_REVOKED');
    expect(await direct(a, b, { agreement: agreement.id })).toMatchObject({
      status: 'rejected',
      code: 'AGREEMENT_REVOKED',
    });
  });

  it('expires at its end date on both sides', async () => {
    const short = await negotiate({ validUntil: chinaDay(1) });
    expect(await sendFromA('test.shop-record', { shopId: 'before-expiry' })).toMatchObject({
      status: 'delivered',
    });
    // Three days on, on both nodes.
    for (const node of [a, b]) {
      const clock = node.app.get(Clock);
      const real = clock.now.bind(clock);
      clock.now = () => new Date(real().getTime() + 3 * DAY_MS);
    }
    try {
      expect(await refusedAtSender(a, B, 'test.shop-record', { shopId: 'x' })).toBe('AGREEMENT_EXPIRED');
      expect(await direct(a, b, { agreement: short.id })).toMatchObject({
        status: 'rejected',
        code: 'AGREEMENT_EXPIRED',
      });
      // The sweep marks it expired, and only it: the first agreement (revoked by now) is left alone.
      expect(await a.app.get(AgreementsService).expireDue()).toBe(1);
      expect(await a.app.get(AgreementsService).expireDue()).toBe(0);
      const expired = (await api<AgreementView>(a, 'GET', `/agreements/${short.id}`)).json;
      expect(expired.state).toBe('expired');
      expect(expired.history.filter((e) => e.action === 'expired')).toHaveLength(1);
      const other = (await api<AgreementView>(a, 'GET', `/agreements/${agreement.id}`)).json;
      expect(other.state).toBe('revoked');
      expect(other.history.map((e) => e.action)).not.toContain('expired');
    } finally {
      for (const node of [a, b]) Reflect.deleteProperty(node.app.get(Clock), 'now');
    }
  });

  it('judges a message by the China day it was signed on: in force and in quota that day, across midnight', async () => {
    const [today, last] = [chinaDay(0), chinaDay(1)];
    const short = await negotiate({
      validUntil: last,
      scopes: [
        { scope: 'shop.sync', from: A, to: B },
        { scope: 'landing.result', from: A, to: B, dailyQuota: 1 },
      ],
    });
    const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    const clock = b.app.get(Clock);
    const signedAt = (iat: number, type = 'test.shop-record') =>
      direct(a, b, { type, body: { shopId: `at-${iat}` }, agreement: short.id, iat, exp: iat + 300 });
    try {
      // B's clock has passed midnight; the messages were signed just before it, or just after.
      clock.now = () => new Date(second(`${today}T23:59:59+08:00`) * 1000 + 3_000);
      const beforeMidnight = second(`${today}T23:59:59+08:00`);
      expect(await signedAt(beforeMidnight, 'test.landing')).toMatchObject({ status: 'accepted' });
      // The next day's quota is untouched by the message signed the day before.
      expect(await signedAt(beforeMidnight + 1, 'test.landing')).toMatchObject({ status: 'accepted' });
      expect(await signedAt(beforeMidnight + 2, 'test.landing')).toMatchObject({
        status: 'rejected',
        code: 'QUOTA_EXCEEDED',
      });

      // Signed on the last day, it is lawful after midnight; signed after it, not.
      clock.now = () => new Date(second(`${last}T23:59:59+08:00`) * 1000 + 3_000);
      const lastSecond = second(`${last}T23:59:59+08:00`);
      expect(await signedAt(lastSecond)).toMatchObject({ status: 'accepted' });
      expect(await signedAt(lastSecond + 1)).toMatchObject({ status: 'rejected', code: 'AGREEMENT_EXPIRED' });
    } finally {
      Reflect.deleteProperty(clock, 'now');
    }
  });

  describe('documents that must not be accepted', () => {
    async function terms(): Promise<AgreementTerms> {
      const aKid = a.app.get(NodeIdentityService).signer().kid;
      const bKeys = await publicKeys(b);
      return {
        v: 1,
        id: uuidv7(),
        title: 'forged',
        parties: [A, B],
        keys: { [A]: [aKid], [B]: bKeys.map((k) => k.kid) },
        scopes: [{ scope: 'shop.sync', from: A, to: B, dailyQuota: null }],
        fieldPolicy: {},
        matchingKey: Buffer.alloc(32, 7).toString('base64url'),
        validFrom: chinaDay(0),
        validUntil: chinaDay(10),
        deadlines: { clueWorkingDays: 15, assistWorkingDays: 15 },
        supersedes: null,
        proposedBy: A,
        proposedAt: new Date().toISOString(),
      };
    }

    async function expectRefusedProposal(document: AgreementDocument, id: string): Promise<void> {
      const receipt = await direct(a, b, { type: 'agreement.propose', body: { document } });
      expect(receipt).toMatchObject({ status: 'rejected', code: 'AGREEMENT_INVALID' });
      const { status } = await api(b, 'GET', `/agreements/${id}`);
      expect(status).toBe(404);
    }

    it('refuses a proposal with one tampered field', async () => {
      const t = await terms();
      const document = await proposeAgreement(t, a.app.get(NodeIdentityService).signer());
      const tampered = { ...t, scopes: [{ ...t.scopes[0]!, dailyQuota: 999 }] };
      const forged = { ...document, payload: Buffer.from(canonicalJson(tampered)).toString('base64url') };
      await expectRefusedProposal(forged, t.id);
      // The honest one goes through, so the refusal above was about the tampering alone.
      const honest = await direct(a, b, { type: 'agreement.propose', body: { document } });
      expect(honest).toMatchObject({ status: 'accepted' });
      await stateOf(b, t.id, 'pending');
    });

    it('refuses a proposal signed by a key that is not pinned for its party', async () => {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
      const rogue = await toPublicSigningJwk(publicKey);
      const base = await terms();
      const t = { ...base, keys: { ...base.keys, [A]: [rogue.kid] } };
      const document = await proposeAgreement(t, { kid: rogue.kid, privateKey });
      await expectRefusedProposal(document, t.id);
    });

    it('refuses to activate a countersignature that does not verify, and activates the real one', async () => {
      const drafted = await api<AgreementView>(a, 'POST', '/agreements', {
        title: 'to be countersigned',
        partners: [B],
        scopes: [{ scope: 'entity.resolve', from: A, to: B }],
        validFrom: chinaDay(0),
        validUntil: chinaDay(5),
      });
      const { id } = drafted.json;
      await api(a, 'POST', `/agreements/${id}/propose`);
      const pending = await stateOf(b, id, 'pending');
      // A signature in B's name, under B's key id, made with a key that is not B's.
      const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
      const forged = await countersignAgreement(pending.document!, B, {
        kid: (await terms()).keys[B]![0]!,
        privateKey,
      });
      const receipt = await direct(b, a, { type: 'agreement.countersign', body: { document: forged } });
      expect(receipt).toMatchObject({ status: 'rejected', code: 'AGREEMENT_INVALID' });
      expect((await api<AgreementView>(a, 'GET', `/agreements/${id}`)).json.state).toBe('proposed');

      await api(b, 'POST', `/agreements/${id}/countersign`);
      const active = await stateOf(a, id, 'active');
      expect(active.signers.map((s) => s.region)).toEqual([A, B]);
    });
  });
});
