import { generateKeyPair } from 'jose';
import {
  signNodeCard,
  toPublicSigningJwk,
  type PublicSigningJwk,
  type SignedNodeCard,
  type Signer,
} from '@regulink/protocol';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

interface PeerBody {
  region: string;
  pinnedKids: string[];
  allowed: boolean;
  importedAt: string;
  code?: string;
}

/**
 * A peer node that exists only as its signed cards: its keys, newest last, each card signed by the
 * newest and listing every key so far (as a real node's card does after a rotation).
 */
class CardIssuer {
  private readonly keys: { signer: Signer; jwk: PublicSigningJwk }[] = [];

  constructor(readonly region: string) {}

  /** A new key, which signs the cards from now on. */
  async rotate(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = await toPublicSigningJwk(publicKey);
    this.keys.push({ signer: { kid: jwk.kid, privateKey }, jwk });
    return this;
  }

  card(region = this.region): Promise<SignedNodeCard> {
    const active = this.keys.at(-1)!;
    return signNodeCard(
      {
        v: 1,
        region,
        name: `Node ${region}`,
        endpoints: { api: 'http://127.0.0.1:9', federation: 'tcp://127.0.0.1:9' },
        keys: this.keys.map((k) => k.jwk),
        activeKid: active.jwk.kid,
        issuedAt: new Date().toISOString(),
      },
      active.signer,
    );
  }
}

describe('peer directory (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let token: string;
  let nextRegion = 910000;

  beforeAll(async () => {
    node = await bootTestNode();
    token = await node.adminToken();
  });

  afterAll(async () => {
    await node?.close();
  });

  /** A peer this node has never heard of. */
  const newPeer = () => new CardIssuer(String(nextRegion++)).rotate();

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: PeerBody }> {
    const response = await node.request(method, path, { token, body });
    return { status: response.status, body: (await response.json()) as PeerBody };
  }

  const importCard = async (card: SignedNodeCard, allow: boolean) =>
    call('POST', '/federation/peers', { ...card, allow });
  const repin = async (region: string, card: SignedNodeCard) =>
    call('POST', `/federation/peers/${region}/repin`, card);
  const setAllowed = async (region: string, allowed: boolean) =>
    call('PUT', `/federation/peers/${region}/allowed`, { allowed });

  async function stored(region: string): Promise<{ allowed: boolean; kids: string[] }[]> {
    const rows = await sql<{ allowed: boolean; pinned_keys: PublicSigningJwk[] }>(
      node,
      'SELECT allowed, pinned_keys FROM federation_peer WHERE region = $1',
      [region],
    );
    return rows.map((r) => ({ allowed: r.allowed, kids: r.pinned_keys.map((k) => k.kid).sort() }));
  }

  describe('one call at a time', () => {
    it('refreshes a known peer with the same keys, keeping its allowance, and refuses other keys', async () => {
      const peer = await newPeer();
      const first = await importCard(await peer.card(), true);
      expect(first.status).toBe(201);
      const again = await importCard(await peer.card(), false);
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ allowed: true, importedAt: first.body.importedAt });

      await peer.rotate();
      const changed = await importCard(await peer.card(), true);
      expect(changed).toMatchObject({ status: 409, body: { code: 'PEER_KEYS_CHANGED' } });
      expect(await stored(peer.region)).toEqual([{ allowed: true, kids: first.body.pinnedKids.sort() }]);
    });

    it('re-pins only a known peer, only with a card for that peer', async () => {
      const peer = await newPeer();
      expect(await repin(peer.region, await peer.card())).toMatchObject({
        status: 404,
        body: { code: 'PEER_NOT_FOUND' },
      });
      expect(await setAllowed(peer.region, true)).toMatchObject({
        status: 404,
        body: { code: 'PEER_NOT_FOUND' },
      });
      await importCard(await peer.card(), false);
      const other = await newPeer();
      expect(await repin(peer.region, await other.card(peer.region))).toMatchObject({ status: 201 });
      expect(await repin(peer.region, await other.card())).toMatchObject({
        status: 400,
        body: { code: 'PEER_REGION_MISMATCH' },
      });
    });
  });

  describe('concurrent calls end as some serial order of them would', () => {
    it('answers each of six imports of one new card at once with success, and stores it once', async () => {
      for (let trial = 0; trial < 5; trial++) {
        const peer = await newPeer();
        const card = await peer.card();
        const results = await Promise.all(Array.from({ length: 6 }, () => importCard(card, true)));
        expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
        for (const { body } of results) expect(body).toMatchObject({ region: peer.region, allowed: true });
        expect(await stored(peer.region)).toEqual([
          { allowed: true, kids: card.card.keys.map((k) => k.kid) },
        ]);
      }
    });

    it('never lets a card refresh undo a disallow made at the same time', async () => {
      const peer = await newPeer();
      const card = await peer.card();
      expect((await importCard(card, true)).status).toBe(201);
      for (let trial = 0; trial < 20; trial++) {
        expect((await setAllowed(peer.region, true)).status).toBe(200);
        const [disallowed, refreshed] = await Promise.all([
          setAllowed(peer.region, false),
          importCard(card, false),
        ]);
        expect(disallowed).toMatchObject({ status: 200, body: { allowed: false } });
        expect(refreshed.status).toBe(201);
        // Either order leaves the peer off the allow list.
        expect(await stored(peer.region)).toEqual([expect.objectContaining({ allowed: false })]);
      }
    });

    it('never lets a refresh with the old card undo a re-pin made at the same time', async () => {
      const peer = await newPeer();
      expect((await importCard(await peer.card(), true)).status).toBe(201);
      for (let trial = 0; trial < 20; trial++) {
        const oldCard = await peer.card();
        const oldKids = oldCard.card.keys.map((k) => k.kid).sort();
        const newCard = await (await peer.rotate()).card();
        const newKids = newCard.card.keys.map((k) => k.kid).sort();
        // Refreshes starting a millisecond apart, to meet the re-pin at different points.
        const [repinned, ...refreshed] = await Promise.all([
          repin(peer.region, newCard),
          ...[0, 1, 2, 3, 4, 5, 6, 7].map((ms) => later(ms, () => importCard(oldCard, false))),
        ]);
        expect(repinned.status).toBe(201);
        expect(repinned.body.pinnedKids.sort()).toEqual(newKids);
        for (const refresh of refreshed) {
          // Before the re-pin, a refresh sees the old keys still pinned; after it, it is refused.
          if (refresh.status === 201) expect(refresh.body.pinnedKids.sort()).toEqual(oldKids);
          else expect(refresh).toMatchObject({ status: 409, body: { code: 'PEER_KEYS_CHANGED' } });
        }
        expect(await stored(peer.region)).toEqual([{ allowed: true, kids: newKids }]);
        // And this node's own reads see the re-pin as soon as it answered.
        const listed = (await call('GET', '/federation/peers')).body as unknown as PeerBody[];
        expect(listed.find((p) => p.region === peer.region)?.pinnedKids.sort()).toEqual(newKids);
      }
    });
  });
});

function later<T>(ms: number, run: () => Promise<T>): Promise<T> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms)).then(run);
}
