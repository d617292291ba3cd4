import { decodeProtectedHeader } from 'jose';
import { eventually } from '../support/federation';
import { bootReplica, bootTestNode, TEST_ADMIN, type TestNode } from '../support/test-node';

interface NodeCard {
  card: { activeKid: string; keys: { kid: string }[] };
}

/**
 * Two replicas of one node, sharing its database and its key file: a key rotated at one is signed
 * with, and the key it retired known as retired, at the other too; two rotations at once lose
 * neither key.
 */
describe('node key rotation across replicas (two real nodes, one database, one key file)', () => {
  let a: TestNode;
  let b: TestNode;

  beforeAll(async () => {
    a = await bootTestNode();
    b = await bootReplica(a);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const cardOf = async (node: TestNode) =>
    ((await (await node.request('GET', '/.well-known/regulink/node-card')).json()) as NodeCard).card;
  const rotate = async (node: TestNode) => {
    const response = await node.request('POST', '/node/keys/rotate', { token: await node.adminToken() });
    expect(response.status).toBe(200);
    return (await response.json()) as { activeKid: string; retiredKid: string };
  };
  /** Signs in at `node` (a token of its own, signed with its active key). */
  const signIn = async (node: TestNode) => {
    const response = await node.request('POST', '/auth/token', {
      body: TEST_ADMIN,
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };

  it('signs with the key rotated at the other replica, and each accepts the tokens of the other', async () => {
    const { activeKid, retiredKid } = await rotate(a);
    const atB = await eventually(async () => {
      const card = await cardOf(b);
      return card.activeKid === activeKid ? card : undefined;
    }, 10_000);
    expect(atB.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([activeKid, retiredKid]));

    const fromB = await signIn(b);
    expect(decodeProtectedHeader(fromB).kid).toBe(activeKid);
    const fromA = await signIn(a);
    for (const [node, token] of [
      [a, fromB],
      [b, fromA],
    ] as const) {
      expect((await node.request('GET', '/auth/me', { token })).status).toBe(200);
    }
  });

  it('rotates at both replicas at once without losing either new key', async () => {
    const [atA, atB] = await Promise.all([rotate(a), rotate(b)]);
    expect(atA.activeKid).not.toBe(atB.activeKid);
    // One rotation came after the other: the second retired the first one's key.
    const last = atA.retiredKid === atB.activeKid ? atA : atB;
    const first = last === atA ? atB : atA;
    expect(last.retiredKid).toBe(first.activeKid);
    for (const node of [a, b]) {
      const card = await eventually(async () => {
        const held = await cardOf(node);
        return held.activeKid === last.activeKid ? held : undefined;
      }, 10_000);
      expect(card.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([first.activeKid, last.activeKid]));
    }
  });
});
