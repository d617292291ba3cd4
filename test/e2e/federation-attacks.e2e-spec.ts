import { CompactSign, generateKeyPair } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { FederationTransport } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import {
  canonicalJson,
  importPublicKey,
  receiptKid,
  sha256Base64Url,
  signEnvelope,
  toPublicSigningJwk,
  verifyReceipt,
  type EnvelopeClaims,
  type PublicSigningJwk,
  type ReceiptClaims,
  type Signer,
} from '@regulink/protocol';
import { InboxMessageEntity } from '../../libs/federation/src/receiving/inbox-message.entity';
import { InboxRepository } from '../../libs/federation/src/receiving/inbox.repository';
import { bootNodes, connectAll } from '../support/federation';
import { sql, type TestNode } from '../support/test-node';

/**
 * What an attacker can put on the wire to a node's federation listener, and what must come back:
 * a receipt signed by the node, refusing with the specific code, nothing applied, and the refusal
 * in the node's audit log.
 */
describe('the receiving checks, under attack', () => {
  let a: TestNode;
  let b: TestNode;
  let aSigner: Signer;
  let wire: FederationTransport;

  beforeAll(async () => {
    [a, b] = (await bootNodes(['330000', '360000'], 'tcp')) as [TestNode, TestNode];
    await connectAll([a, b]);
    aSigner = a.app.get(NodeIdentityService).signer();
    wire = a.app.get(FederationTransport);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  function claims(overrides: Partial<EnvelopeClaims> = {}): EnvelopeClaims {
    const now = Math.floor(Date.now() / 1000);
    return {
      v: 1,
      id: uuidv7(),
      type: 'federation.ping',
      from: '330000',
      to: '360000',
      agreement: null,
      iat: now,
      exp: now + 300,
      body: { nonce: 'attack', sentAt: new Date().toISOString() },
      ...overrides,
    };
  }

  /** Puts raw bytes on B's federation listener and returns B's verified receipt. */
  async function send(envelope: unknown): Promise<ReceiptClaims> {
    const reply = await wire.request(
      b.config.federation.publicEndpoint,
      { envelope } as { envelope: string },
      10_000,
    );
    const { keys } = (await (await b.request('GET', '/.well-known/jwks.json')).json()) as {
      keys: PublicSigningJwk[];
    };
    expect(typeof reply.receipt).toBe('string');
    const key = await importPublicKey(keys.find((k) => k.kid === receiptKid(reply.receipt!))!);
    const receipt = await verifyReceipt(reply.receipt!, key);
    expect(receipt.by).toBe('360000');
    return receipt;
  }

  const query = <T extends Record<string, unknown>>(text: string, params: unknown[]) =>
    sql<T>(b, text, params);

  async function expectRefused(envelope: unknown, code: string, id: string | null): Promise<void> {
    const receipt = await send(envelope);
    expect(receipt).toMatchObject({ status: 'rejected', code, of: id });
    const digest = sha256Base64Url(
      typeof envelope === 'string' ? envelope : JSON.stringify(envelope ?? null),
    );
    expect(receipt.digest).toBe(digest);
    if (id) expect(await query('SELECT id FROM federation_inbox WHERE id = $1', [id])).toEqual([]);
    const logged = await query<{ data: string }>(
      `SELECT data FROM audit_entry WHERE kind = 'envelope-in' AND data::jsonb ->> 'digest' = $1`,
      [digest],
    );
    expect(logged.map((row) => JSON.parse(row.data) as { status: string; code: string })).toEqual([
      expect.objectContaining({ status: 'rejected', code }),
    ]);
  }

  it('accepts an honest envelope (the baseline every attack departs from)', async () => {
    const honest = claims();
    const receipt = await send(await signEnvelope(honest, aSigner));
    expect(receipt).toMatchObject({ status: 'accepted', code: null, of: honest.id });
    expect(await query('SELECT from_region FROM federation_inbox WHERE id = $1', [honest.id])).toEqual([
      { from_region: '330000' },
    ]);
  });

  it('refuses a forged signature', async () => {
    const c = claims();
    const [h, p, s] = (await signEnvelope(c, aSigner)).split('.') as [string, string, string];
    const forged = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    await expectRefused(forged, 'BAD_SIGNATURE', c.id);
  });

  it('refuses a valid signature by a key that is not pinned for the sender', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = (await toPublicSigningJwk(publicKey)).kid;
    const c = claims();
    await expectRefused(await signEnvelope(c, { kid, privateKey }), 'UNPINNED_KEY', c.id);
  });

  it('refuses a sender that is not a peer', async () => {
    const c = claims({ from: '370000' });
    await expectRefused(await signEnvelope(c, aSigner), 'UNKNOWN_SENDER', c.id);
  });

  it('refuses a message for another audience', async () => {
    const c = claims({ to: '370000' });
    await expectRefused(await signEnvelope(c, aSigner), 'WRONG_AUDIENCE', c.id);
  });

  it('refuses an expired message', async () => {
    const now = Math.floor(Date.now() / 1000);
    const c = claims({ iat: now - 86_400, exp: now - 3_600 });
    await expectRefused(await signEnvelope(c, aSigner), 'EXPIRED', c.id);
  });

  it('refuses a message claiming a longer life than any sender gives, which could date it back', async () => {
    const now = Math.floor(Date.now() / 1000);
    const c = claims({ iat: now - 60, exp: now - 60 + 7 * 86_400 + 1 });
    await expectRefused(await signEnvelope(c, aSigner), 'EXPIRED', c.id);
    const fine = claims({ iat: now - 60, exp: now - 60 + 7 * 86_400 });
    expect(await send(await signEnvelope(fine, aSigner))).toMatchObject({ status: 'accepted' });
  });

  it('refuses a future-dated message', async () => {
    const now = Math.floor(Date.now() / 1000);
    const c = claims({ iat: now + 3_600, exp: now + 7_200 });
    await expectRefused(await signEnvelope(c, aSigner), 'NOT_YET_VALID', c.id);
  });

  it('does not apply a replayed message twice', async () => {
    const c = claims();
    const envelope = await signEnvelope(c, aSigner);
    expect(await send(envelope)).toMatchObject({ status: 'accepted' });
    expect(await send(envelope)).toMatchObject({ status: 'duplicate', code: 'REPLAYED', of: c.id });
    expect(await query('SELECT count(*)::int AS n FROM federation_inbox WHERE id = $1', [c.id])).toEqual([
      { n: 1 },
    ]);
    const logged = await query<{ data: string }>(
      `SELECT data FROM audit_entry WHERE kind = 'envelope-in' AND message_id = $1 ORDER BY seq`,
      [c.id],
    );
    expect(logged.map((r) => (JSON.parse(r.data) as { status: string }).status)).toEqual([
      'accepted',
      'duplicate',
    ]);
  });

  it('answers a query sent many times at once exactly once, and gives every copy the same answer', async () => {
    const c = claims({ type: 'federation.echo', body: { nonce: 'again-and-again' } });
    const envelope = await signEnvelope(c, aSigner);
    const replies = await Promise.all(
      Array.from({ length: 12 }, () =>
        wire.request(b.config.federation.publicEndpoint, { envelope }, 10_000),
      ),
    );
    // The first recorded copy is answered by its response alone; each other copy is told it is a
    // replay, with the receipt saying so and the response first given.
    const answered = replies.filter((r) => r.receipt === undefined);
    expect(answered).toHaveLength(1);
    const response = answered[0]!.response;
    expect(typeof response).toBe('string');
    for (const reply of replies.filter((r) => r.receipt !== undefined)) {
      expect(reply.response).toBe(response);
      const { keys } = (await (await b.request('GET', '/.well-known/jwks.json')).json()) as {
        keys: PublicSigningJwk[];
      };
      const key = await importPublicKey(keys.find((k) => k.kid === receiptKid(reply.receipt!))!);
      expect(await verifyReceipt(reply.receipt!, key)).toMatchObject({
        status: 'duplicate',
        code: 'REPLAYED',
        of: c.id,
      });
    }
    expect(await query('SELECT count(*)::int AS n FROM federation_inbox WHERE id = $1', [c.id])).toEqual([
      { n: 1 },
    ]);
    const logged = await query<{ data: string }>(
      `SELECT data FROM audit_entry WHERE kind = 'envelope-in' AND message_id = $1`,
      [c.id],
    );
    const statuses = logged.map((r) => (JSON.parse(r.data) as { status: string }).status).sort();
    expect(statuses).toEqual(['accepted', ...Array<string>(11).fill('duplicate')]);
  });

  it('records an id once when copies of it are written in the same batch', async () => {
    const inbox = b.app.get(InboxRepository);
    const record = (id: string) =>
      Object.assign(new InboxMessageEntity(), {
        id,
        fromRegion: '330000',
        type: 'federation.echo',
        digest: 'd'.repeat(43),
        envelope: 'envelope',
        receipt: 'receipt',
        response: 'response',
        receivedAt: new Date(),
      });
    const [first, second] = [uuidv7(), uuidv7()];
    // The first write is under way when the copies arrive, so the three copies share the next batch.
    const results = await Promise.all(
      [first, second, second, second].map((id) => inbox.recordAndApply(record(id))),
    );
    expect(results).toEqual([true, true, false, false]);
    expect(
      await query('SELECT count(*)::int AS n FROM federation_inbox WHERE id = ANY($1::uuid[])', [
        [first, second],
      ]),
    ).toEqual([{ n: 2 }]);
  });

  it('refuses an oversize message before reading it', async () => {
    const c = claims({
      body: { nonce: 'big', sentAt: new Date().toISOString(), note: 'x'.repeat(300 * 1024) },
    });
    await expectRefused(await signEnvelope(c, aSigner), 'ENVELOPE_TOO_LARGE', null);
  });

  it('refuses malformed JSON', async () => {
    const bytes = new TextEncoder().encode('{"v":1,"id":');
    const envelope = await new CompactSign(bytes)
      .setProtectedHeader({ alg: 'EdDSA', kid: aSigner.kid, typ: 'regulink-envelope+jws' })
      .sign(aSigner.privateKey);
    await expectRefused(envelope, 'ENVELOPE_MALFORMED', null);
  });

  it('refuses claims nested deeper than any message has, before anything walks them', async () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const text = canonicalJson(claims({ body: { nonce: '@' } })).replace('"@"', deep);
    const envelope = await new CompactSign(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: 'EdDSA', kid: aSigner.kid, typ: 'regulink-envelope+jws' })
      .sign(aSigner.privateKey);
    await expectRefused(envelope, 'ENVELOPE_MALFORMED', null);
  });

  it('refuses text that has no canonical form (a lone surrogate), whoever signed it', async () => {
    const text = canonicalJson(
      claims({ body: { nonce: 'n', sentAt: new Date().toISOString(), note: '@' } }),
    ).replace('"@"', '"a\\ud800b"');
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const stranger = { kid: (await toPublicSigningJwk(publicKey)).kid, privateKey };
    for (const signer of [aSigner, stranger]) {
      const envelope = await new CompactSign(new TextEncoder().encode(text))
        .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: 'regulink-envelope+jws' })
        .sign(signer.privateKey);
      await expectRefused(envelope, 'ENVELOPE_MALFORMED', null);
    }
  });

  it('refuses something that is not an envelope at all', async () => {
    await expectRefused({ not: 'a jws' }, 'ENVELOPE_MALFORMED', null);
  });

  it('refuses a tampered body', async () => {
    const c = claims();
    const [h, , s] = (await signEnvelope(c, aSigner)).split('.') as [string, string, string];
    const altered = Buffer.from(canonicalJson({ ...c, body: { ...c.body, nonce: 'altered' } })).toString(
      'base64url',
    );
    await expectRefused(`${h}.${altered}.${s}`, 'BAD_SIGNATURE', c.id);
  });

  it('refuses an unknown message type', async () => {
    const c = claims({ type: 'federation.unheard-of' });
    await expectRefused(await signEnvelope(c, aSigner), 'UNKNOWN_TYPE', c.id);
  });

  it('refuses a body that fails its schema', async () => {
    const c = claims({ body: { nonce: 'not allowed!', sentAt: 'yesterday', extra: true } });
    await expectRefused(await signEnvelope(c, aSigner), 'BODY_INVALID', c.id);
  });

  it('refuses a peer taken off the allow list', async () => {
    const token = await b.adminToken();
    expect(
      (await b.request('PUT', '/federation/peers/330000/allowed', { token, body: { allowed: false } }))
        .status,
    ).toBe(200);
    try {
      const c = claims();
      await expectRefused(await signEnvelope(c, aSigner), 'NOT_ALLOWED', c.id);
    } finally {
      await b.request('PUT', '/federation/peers/330000/allowed', { token, body: { allowed: true } });
    }
  });

  it('counts every refusal by its code', async () => {
    const text = await (await b.request('GET', '/metrics', { token: await b.adminToken() })).text();
    const count = (code: string) =>
      Number(
        new RegExp(`regulink_federation_envelopes_refused_total\\{code="${code}"\\} (\\d+)`).exec(
          text,
        )?.[1] ?? 0,
      );
    expect(count('BAD_SIGNATURE')).toBeGreaterThanOrEqual(2);
    for (const code of [
      'UNPINNED_KEY',
      'UNKNOWN_SENDER',
      'WRONG_AUDIENCE',
      'EXPIRED',
      'NOT_YET_VALID',
      'REPLAYED',
      'ENVELOPE_TOO_LARGE',
      'UNKNOWN_TYPE',
      'BODY_INVALID',
      'NOT_ALLOWED',
    ]) {
      expect({ code, counted: count(code) >= 1 }).toEqual({ code, counted: true });
    }
  });
});
