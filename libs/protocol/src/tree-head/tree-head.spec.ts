import { generateKeyPair, type CryptoKey } from 'jose';
import { toPublicSigningJwk, type Signer } from '../keys/signing-key';
import { hashToBase64Url } from '../merkle/merkle-hash';
import { readTreeHead, signTreeHead, verifyTreeHead, type TreeHead } from './tree-head';

describe('tree heads', () => {
  let signer: Signer;
  let publicKey: CryptoKey;
  const head: TreeHead = {
    v: 1,
    region: '330000',
    size: 42,
    root: hashToBase64Url(new Uint8Array(32).fill(7)),
    signedAt: '2026-12-04T08:00:00.000Z',
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    signer = { kid: (await toPublicSigningJwk(pair.publicKey)).kid, privateKey: pair.privateKey };
    publicKey = pair.publicKey;
  });

  it('reads what a signed head states, the same as verifying it does', async () => {
    const jws = await signTreeHead(head, signer);
    expect(await verifyTreeHead(jws, publicKey)).toEqual(head);
    expect(readTreeHead(jws)).toEqual(head);
  });

  it('reads nothing from what is not a signed tree head', async () => {
    const jws = await signTreeHead(head, signer);
    const [protectedHeader, , signature] = jws.split('.');
    const payload = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const text of [
      '',
      'not.a.jws',
      `${protectedHeader}.${payload({ ...head, size: -1 })}.${signature}`,
      `${protectedHeader}.${payload({ ...head, extra: true })}.${signature}`,
      `${Buffer.from('{"alg":"EdDSA","typ":"other"}').toString('base64url')}.${payload(head)}.${signature}`,
    ]) {
      expect(readTreeHead(text)).toBeUndefined();
    }
  });
});
