import { v7 as uuidv7 } from 'uuid';
import { OutboxService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import {
  EvidenceError,
  RETIREMENT_TOLERANCE_MS,
  signNodeCard,
  signRecordBatch,
  signTreeHead,
  verifyEvidenceBundle,
  type EvidenceBundle,
  type NodeCard,
  type SignedNodeCard,
} from '@regulink/protocol';
import {
  activeAgreement,
  adminApi,
  agreementInState,
  chinaDay,
  sendDirect,
  type AgreementView,
} from '../support/agreements';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { sql, type TestNode } from '../support/test-node';

const A = '330000';
const B = '370000';

/**
 * A node rotates its key because the old one may have leaked. Once its partner has re-pinned the
 * new card, which says when the old key was retired, nothing the old key signs dated after that
 * is taken as the node's: not a message, not a tree head, not a batch in an evidence file; and no
 * card can make it active again. What it signed before stays good.
 */
describe('a retired key signs nothing new (real nodes, real keys, TCP)', () => {
  let a: TestNode;
  let b: TestNode;
  let agreement: string;
  let old: ReturnType<NodeIdentityService['signer']>;
  let retiredAt: string;

  beforeAll(async () => {
    [a, b] = (await bootNodes([A, B], 'tcp')) as [TestNode, TestNode];
    await connectAll([a, b]);
    agreement = await activeAgreement(a, b, {
      scopes: [
        { scope: 'shop.sync', from: A, to: B },
        { scope: 'landing.result', from: B, to: A },
      ],
    });
    old = a.app.get(NodeIdentityService).signer();
    expect((await adminApi(a, 'POST', '/node/keys/rotate')).status).toBe(200);
    const card = (await (await a.request('GET', '/.well-known/regulink/node-card')).json()) as SignedNodeCard;
    retiredAt = card.card.retired![old.kid]!;
    expect(Date.parse(retiredAt)).toBeLessThanOrEqual(Date.now());
    expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, card)).status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('shows the partner when each key of the node was retired', async () => {
    const { json: peers } = await adminApi<{ region: string; retiredKids: Record<string, string> }[]>(
      b,
      'GET',
      '/federation/peers',
    );
    expect(peers.find((p) => p.region === A)?.retiredKids).toEqual({ [old.kid]: retiredAt });
  });

  it('refuses messages signed with the retired key and dated after its retirement', async () => {
    // Dated past the retirement and the moment other replicas take to follow it (within the clock skew allowed).
    const iat = Math.ceil((Date.parse(retiredAt) + RETIREMENT_TOLERANCE_MS) / 1000) + 1;
    const ping = await sendDirect(
      a,
      b,
      { type: 'federation.ping', body: { nonce: 'retired-key', sentAt: new Date().toISOString() }, iat },
      old,
    );
    expect(ping).toMatchObject({ status: 'rejected', code: 'KEY_RETIRED' });
    const revoke = await sendDirect(
      a,
      b,
      {
        type: 'agreement.revoke',
        agreement,
        body: { agreementId: agreement, reason: 'sent with the retired key' },
        iat,
      },
      old,
    );
    expect(revoke).toMatchObject({ status: 'rejected', code: 'KEY_RETIRED' });
    expect((await agreementInState(b, agreement, 'active')).state).toBe('active');
  });

  it('accepts a message the retired key signed before its retirement, delivered late', async () => {
    const before = Math.floor(Date.parse(retiredAt) / 1000) - 60;
    const late = await sendDirect(
      a,
      b,
      {
        type: 'federation.ping',
        body: { nonce: 'signed-before', sentAt: new Date().toISOString() },
        iat: before,
      },
      old,
    );
    expect(late).toMatchObject({ status: 'accepted', code: null });
  });

  it('refuses a tree head signed with the retired key after its retirement', async () => {
    const head = await signTreeHead(
      {
        v: 1,
        region: A,
        size: 5_000_000,
        root: 'kovXU1dOV9GECRZdzJMhGJk-2H8TuSBHNWe0OpJGrmE',
        signedAt: new Date(Date.parse(retiredAt) + RETIREMENT_TOLERANCE_MS + 1000).toISOString(),
      },
      old,
    );
    // The envelope is signed with the current key: the head inside it is what is refused.
    expect(await sendDirect(a, b, { type: 'audit.tree-head', body: { jws: head } })).toMatchObject({
      status: 'rejected',
      code: 'KEY_RETIRED',
    });
    const { json: heads } = await adminApi<{ size: number }[]>(b, 'GET', `/federation/peers/${A}/tree-heads`);
    expect(heads.map((h) => h.size)).not.toContain(5_000_000);
  });

  it('refuses a card that makes the retired key active again', async () => {
    const current = a.app.get(NodeIdentityService).signedCard().card;
    const { retired: _retired, ...rest } = current;
    const revived: NodeCard = { ...rest, activeKid: old.kid, issuedAt: new Date().toISOString() };
    const signed = await signNodeCard(revived, old);
    const refreshed = await adminApi<{ code: string; message: string }>(
      b,
      'POST',
      '/federation/peers',
      signed,
    );
    expect(refreshed.json.code).toBe('PEER_CARD_INVALID');
    expect(refreshed.json.message).toContain(`makes key ${old.kid} active again`);

    // Nor after a card that no longer lists it: the retirement is not forgotten.
    const identity = a.app.get(NodeIdentityService);
    const currentKey = current.keys.find((k) => k.kid === current.activeKid)!;
    const without = await signNodeCard(
      { ...rest, keys: [currentKey], issuedAt: new Date().toISOString() },
      identity.signer(),
    );
    expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, without)).status).toBe(201);
    const repinned = await adminApi<{ code: string }>(b, 'POST', `/federation/peers/${A}/repin`, signed);
    expect(repinned.json.code).toBe('PEER_CARD_INVALID');
    expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, identity.signedCard())).status).toBe(
      201,
    );
  });

  it('pins only keys in use in the agreements drafted after the rotation', async () => {
    const { status, json } = await adminApi<{ id: string }>(b, 'POST', '/agreements', {
      title: 'after the rotation',
      partners: [A],
      scopes: [{ scope: 'landing.result', from: B, to: A }],
      fieldPolicy: {},
      validFrom: chinaDay(0),
      validUntil: chinaDay(30),
    });
    expect(status).toBe(201);
    const { json: drafted } = await adminApi<AgreementView & { keys: Record<string, string[]> }>(
      b,
      'GET',
      `/agreements/${json.id}`,
    );
    expect(drafted.keys[A]).toEqual([a.app.get(NodeIdentityService).signer().kid]);
  });

  it('refuses, offline, an evidence file whose batch the retired key signed after its retirement', async () => {
    const records = [{ v: 1, platform: '示例电商平台', url: 'https://forged.example.com/', forged: true }];
    const batch = await signRecordBatch(
      { id: uuidv7(), kind: 'shop', from: A, to: B, agreement },
      records,
      old,
      new Date(Date.parse(retiredAt) + 3_600_000),
    );
    const { json: view } = await adminApi<AgreementView>(b, 'GET', `/agreements/${agreement}`);
    const bundle = {
      v: 1,
      kind: 'shop',
      record: records[0],
      index: 0,
      proof: batch.proofs[0],
      batch: batch.head,
      agreement: view.document,
      cards: [
        await (await a.request('GET', '/.well-known/regulink/node-card')).json(),
        await (await b.request('GET', '/.well-known/regulink/node-card')).json(),
      ],
      exportedBy: B,
      exportedAt: new Date().toISOString(),
    } as EvidenceBundle;
    const refused = await verifyEvidenceBundle(bundle).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EvidenceError);
    expect(refused).toMatchObject({ problem: 'batch-signature' });
    expect((refused as Error).message).toContain(`after ${A} retired key ${old.kid}`);
  });

  it('holds what it sends to a partner that has not pinned its new key yet, and delivers it once pinned', async () => {
    expect((await adminApi(a, 'POST', '/node/keys/rotate')).status).toBe(200);
    const id = await a.app.get(OutboxService).send({
      to: B,
      type: 'federation.ping',
      body: { nonce: 'after-rotation', sentAt: new Date().toISOString() },
    });
    const row = async () =>
      (
        await sql<{ status: string; last_error: string | null }>(
          a,
          'SELECT status, last_error FROM federation_outbox WHERE id = $1',
          [id],
        )
      )[0]!;
    const held = await eventually(async () => {
      const now = await row();
      return now.last_error ? now : undefined;
    }, 15_000);
    expect(held).toMatchObject({ status: 'pending', last_error: expect.stringMatching(/^held: .*re-pin/) });
    // B, meanwhile, cannot check A's receipts: it is told which key, and what to do.
    const fromB = await b.app.get(OutboxService).send({
      to: A,
      type: 'federation.ping',
      body: { nonce: 'to-the-rotated-node', sentAt: new Date().toISOString() },
    });
    const unpinned = await eventually(async () => {
      const [r] = await sql<{ last_error: string | null }>(
        b,
        'SELECT last_error FROM federation_outbox WHERE id = $1',
        [fromB],
      );
      return r?.last_error ?? undefined;
    }, 15_000);
    expect(unpinned).toContain(`is signed by key ${a.app.get(NodeIdentityService).signer().kid}`);
    expect(unpinned).toContain(`re-pin its new card (POST /federation/peers/${A}/repin)`);
    const card = await (await a.request('GET', '/.well-known/regulink/node-card')).json();
    expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, card)).status).toBe(201);
    await eventually(async () => ((await row()).status === 'delivered' ? true : undefined), 15_000);
    expect(await sql(b, 'SELECT id FROM federation_inbox WHERE id = $1', [id])).toEqual([{ id }]);
  });

  it('refuses, with its code, to countersign an agreement that pins a key its party no longer signs with', async () => {
    const draft = async (proposer: TestNode, partner: string) => {
      const { status, json } = await adminApi<{ id: string }>(proposer, 'POST', '/agreements', {
        title: 'across a rotation',
        partners: [partner],
        scopes: [{ scope: 'landing.result', from: B, to: A }],
        fieldPolicy: {},
        validFrom: chinaDay(0),
        validUntil: chinaDay(30),
      });
      expect(status).toBe(201);
      expect((await adminApi(proposer, 'POST', `/agreements/${json.id}/propose`)).status).toBe(200);
      return json.id;
    };
    const rotateAndRepin = async () => {
      expect((await adminApi(a, 'POST', '/node/keys/rotate')).status).toBe(200);
      const card = a.app.get(NodeIdentityService).signedCard();
      expect((await adminApi(b, 'POST', `/federation/peers/${A}/repin`, card)).status).toBe(201);
    };
    // Proposed by B to A, then A rotates: A's countersignature would be by a key the agreement
    // does not pin.
    const toA = await draft(b, A);
    await agreementInState(a, toA, 'pending');
    await rotateAndRepin();
    const byA = await adminApi<{ code: string; message: string }>(
      a,
      'POST',
      `/agreements/${toA}/countersign`,
    );
    expect({ status: byA.status, code: byA.json.code }).toEqual({
      status: 409,
      code: 'AGREEMENT_KEYS_RETIRED',
    });
    expect(byA.json.message).toMatch(/decline it/);
    // Proposed by A to B, then A rotates: the agreement pins for A only a key it has retired.
    const toB = await draft(a, B);
    await agreementInState(b, toB, 'pending');
    await rotateAndRepin();
    const byB = await adminApi<{ code: string; message: string }>(
      b,
      'POST',
      `/agreements/${toB}/countersign`,
    );
    expect({ status: byB.status, code: byB.json.code }).toEqual({
      status: 409,
      code: 'AGREEMENT_KEYS_RETIRED',
    });
    expect(byB.json.message).toContain(`only keys it has retired`);
    expect((await agreementInState(b, toB, 'pending')).state).toBe('pending');
  });
});
