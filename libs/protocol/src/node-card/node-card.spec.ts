import { generateKeyPair } from 'jose';
import { toPublicSigningJwk, type Signer } from '../keys/signing-key';
import { NodeCardError, signNodeCard, signedWhileActive, verifyNodeCard, type NodeCard } from './node-card';

async function newSigner(): Promise<{ signer: Signer; jwk: Awaited<ReturnType<typeof toPublicSigningJwk>> }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = await toPublicSigningJwk(publicKey);
  return { signer: { kid: jwk.kid, privateKey }, jwk };
}

function card(jwk: { kid: string }, keys: NodeCard['keys']): NodeCard {
  return {
    v: 1,
    region: '330000',
    name: 'Zhejiang',
    endpoints: { api: 'http://127.0.0.1:8080' },
    keys,
    activeKid: jwk.kid,
    issuedAt: '2026-11-23T00:00:00.000Z',
  };
}

describe('node card', () => {
  it('verifies a card signed by its active key and returns it unchanged', async () => {
    const { signer, jwk } = await newSigner();
    const signed = await signNodeCard(card(jwk, [jwk]), signer);
    await expect(verifyNodeCard(JSON.parse(JSON.stringify(signed)))).resolves.toEqual(signed.card);
  });

  it('refuses a card whose presented fields differ from what was signed', async () => {
    const { signer, jwk } = await newSigner();
    const signed = await signNodeCard(card(jwk, [jwk]), signer);
    const tampered = { ...signed, card: { ...signed.card, endpoints: { api: 'http://evil.example' } } };
    await expect(verifyNodeCard(tampered)).rejects.toMatchObject({ problem: 'payload-mismatch' });
  });

  it('refuses a card signed by a key other than its active key', async () => {
    const a = await newSigner();
    const b = await newSigner();
    const signed = await signNodeCard(card(a.jwk, [a.jwk, b.jwk]), a.signer);
    const forged = { card: { ...signed.card, activeKid: b.jwk.kid }, jws: signed.jws };
    await expect(verifyNodeCard(forged)).rejects.toMatchObject({ problem: 'signer-not-active-key' });
  });

  it('refuses a key whose kid is not its thumbprint', async () => {
    const { signer, jwk } = await newSigner();
    const other = await newSigner();
    const lying = { ...other.jwk, kid: 'not-the-thumbprint' };
    const signed = await signNodeCard(card(jwk, [jwk, lying]), signer);
    await expect(verifyNodeCard(signed)).rejects.toMatchObject({ problem: 'key-not-self-consistent' });
  });

  it('refuses a broken signature', async () => {
    const { signer, jwk } = await newSigner();
    const signed = await signNodeCard(card(jwk, [jwk]), signer);
    const [h, p, s] = signed.jws.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    await expect(verifyNodeCard({ ...signed, jws: flipped })).rejects.toMatchObject({ problem: 'signature' });
  });

  it.each([
    [
      'an endpoint JSON reads as Infinity (1e400)',
      (c: NodeCard) => ({ ...c, endpoints: { ...c.endpoints, x: Infinity } }),
    ],
    [
      'a lone surrogate in an endpoint',
      (c: NodeCard) => ({ ...c, endpoints: { ...c.endpoints, x: '\ud800' } }),
    ],
    ['a lone surrogate in its name', (c: NodeCard) => ({ ...c, name: 'Zhe\ud800jiang' })],
  ])('refuses a card with %s as malformed, not with an error of its own', async (_label, change) => {
    const { signer, jwk } = await newSigner();
    const signed = await signNodeCard(card(jwk, [jwk]), signer);
    const error = await verifyNodeCard({ ...signed, card: change(signed.card) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NodeCardError);
    expect(error).toMatchObject({
      problem: 'shape',
      message: expect.stringMatching(/^the card has no canonical JSON form/),
    });
  });

  it.each([null, 'card', {}, { card: {}, jws: 'x' }, { card: { v: 2 }, jws: 'a.b.c' }])(
    'refuses malformed input %p',
    async (input) => {
      await expect(verifyNodeCard(input)).rejects.toMatchObject({ problem: 'shape' });
    },
  );

  it('carries when each retired key was retired, naming only its own keys other than the active one', async () => {
    const old = await newSigner();
    const { signer, jwk } = await newSigner();
    const retired = { [old.jwk.kid]: '2026-12-01T08:00:00.000Z' };
    const signed = await signNodeCard({ ...card(jwk, [jwk, old.jwk]), retired }, signer);
    await expect(verifyNodeCard(signed)).resolves.toMatchObject({ retired });
    for (const wrong of [
      { [jwk.kid]: '2026-12-01T08:00:00.000Z' },
      { 'a-kid-not-on-the-card': '2026-12-01T08:00:00.000Z' },
      { [old.jwk.kid]: 'yesterday' },
      [old.jwk.kid],
    ]) {
      const bad = await signNodeCard({ ...card(jwk, [jwk, old.jwk]), retired: wrong as never }, signer);
      await expect(verifyNodeCard(bad)).rejects.toMatchObject({ problem: 'shape' });
    }
  });

  it('takes a signature by a retired key as made while it was in use only when dated before its retirement (and the tolerance)', () => {
    const retired = { old: '2026-12-01T08:00:00.000Z' };
    expect(signedWhileActive(retired, 'old', '2026-12-01T07:59:59.999Z')).toBe(true);
    // Another replica of the node signs with it for a moment after a rotation.
    expect(signedWhileActive(retired, 'old', '2026-12-01T08:00:09.999Z')).toBe(true);
    expect(signedWhileActive(retired, 'old', new Date('2026-12-01T08:00:10.000Z'))).toBe(false);
    expect(signedWhileActive(retired, 'old', '2026-12-02T00:00:00.000Z')).toBe(false);
    expect(signedWhileActive(retired, 'old', 'not a date')).toBe(false);
    expect(signedWhileActive(retired, 'current', '2030-01-01T00:00:00.000Z')).toBe(true);
    expect(signedWhileActive(undefined, 'old', '2030-01-01T00:00:00.000Z')).toBe(true);
  });
});
