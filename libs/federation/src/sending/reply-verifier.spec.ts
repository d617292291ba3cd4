import { generateKeyPair } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import {
  importPublicKey,
  sha256Base64Url,
  signEnvelope,
  signReceipt,
  signedWhileActive,
  toPublicSigningJwk,
  type PublicSigningJwk,
  type Signer,
} from '@regulink/protocol';
import { FederationErrorCode } from '../federation.exception';
import type { PeerEntity } from '../peers/peer.entity';
import { ReplyVerifier } from './reply-verifier';

const PEER = '330000';
const HERE = '110000';
const SKEW_SECONDS = 60;

async function newKey(): Promise<{ signer: Signer; jwk: PublicSigningJwk }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = await toPublicSigningJwk(publicKey);
  return { signer: { kid: jwk.kid, privateKey }, jwk };
}

/**
 * What comes back from a peer is checked against what was sent: signed by a key pinned for it
 * and in use when signed, and dated after the envelope it answers and not in the future, so
 * that a retired key's signature cannot be dated back to pass as older.
 */
describe('reply verifier', () => {
  const now = new Date('2026-12-04T08:00:00.000Z');
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const retiredAt = new Date(now.getTime() - 30 * 86_400_000);
  let current: Awaited<ReturnType<typeof newKey>>;
  let old: Awaited<ReturnType<typeof newKey>>;
  let peer: PeerEntity;
  let verifier: ReplyVerifier;
  const sent = { id: uuidv7(), digest: sha256Base64Url('the envelope sent now'), iat: nowSeconds - 1 };

  beforeAll(async () => {
    [current, old] = await Promise.all([newKey(), newKey()]);
    peer = {
      region: PEER,
      pinnedKeys: [current.jwk, old.jwk],
      retiredKeys: { [old.jwk.kid]: retiredAt.toISOString() },
    } as PeerEntity;
    const peers = {
      pinnedKey: async (p: PeerEntity, kid: string) => {
        const jwk = p.pinnedKeys.find((k) => k.kid === kid);
        return jwk ? importPublicKey(jwk) : undefined;
      },
      signedWhileActive: (p: PeerEntity, kid: string, at: Date | string) =>
        signedWhileActive(p.retiredKeys, kid, at),
    };
    verifier = new ReplyVerifier(
      peers as never,
      { region: HERE } as never,
      { now: () => now, nowSeconds: () => nowSeconds } as never,
      { federation: { clockSkewSeconds: SKEW_SECONDS } } as never,
    );
  });

  const receipt = (key: Signer, receivedAt: Date) =>
    signReceipt(
      {
        v: 1,
        of: sent.id,
        digest: sent.digest,
        status: 'accepted',
        code: null,
        by: PEER,
        receivedAt: receivedAt.toISOString(),
      },
      key,
    );
  const response = (key: Signer, iat: number, exp = iat + 60) =>
    signEnvelope(
      {
        v: 1,
        id: uuidv7(),
        type: 'entity.resolve.result',
        from: PEER,
        to: HERE,
        agreement: null,
        iat,
        exp,
        body: { inReplyTo: sent.id, requestDigest: sent.digest, result: { answered: true } },
      },
      key,
    );
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: { code?: string; message: string }) => `${error.code}: ${error.message}`,
    );

  it('accepts a receipt and a response signed with the key in use, dated after the envelope', async () => {
    await expect(verifier.receipt(peer, await receipt(current.signer, now), sent)).resolves.toMatchObject({
      status: 'accepted',
    });
    await expect(
      verifier.response(peer, await response(current.signer, nowSeconds), sent, 1_000_000),
    ).resolves.toEqual({ answered: true });
  });

  it('refuses a reply a retired key signed and dated back to before its retirement', async () => {
    const backdated = new Date(retiredAt.getTime() - 1000);
    expect(await refusal(verifier.receipt(peer, await receipt(old.signer, backdated), sent))).toBe(
      `${FederationErrorCode.BadReply}: the receipt is dated before the envelope it answers was signed`,
    );
    const iat = Math.floor(backdated.getTime() / 1000);
    expect(await refusal(verifier.response(peer, await response(old.signer, iat), sent, 1_000_000))).toBe(
      `${FederationErrorCode.BadReply}: the response is dated before the envelope it answers was signed`,
    );
  });

  it('refuses a retired key dated after its retirement, and replies dated in the future or expired', async () => {
    expect(await refusal(verifier.receipt(peer, await receipt(old.signer, now), sent))).toMatch(
      /which 330000 retired before the receipt's date$/,
    );
    const later = new Date(now.getTime() + (SKEW_SECONDS + 5) * 1000);
    expect(await refusal(verifier.receipt(peer, await receipt(current.signer, later), sent))).toMatch(
      /the receipt is dated in the future$/,
    );
    // A request of ten minutes ago (a redelivery, say), answered with a response long expired.
    const earlier = { ...sent, iat: nowSeconds - 600 };
    const expired = await response(current.signer, nowSeconds - 590);
    expect(await refusal(verifier.response(peer, expired, earlier, 1_000_000))).toMatch(
      /the response has expired$/,
    );
  });
});
