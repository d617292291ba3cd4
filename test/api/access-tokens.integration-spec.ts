import { SignJWT } from 'jose';
import { Role } from '@regulink/access';
import { NodeIdentityService } from '@regulink/identity';
import type { Signer } from '@regulink/protocol';
import { newUser, type TestUser } from '../factories/user.factory';
import { bootTestNode, type TestNode } from '../support/test-node';

/**
 * What makes a bearer token good beyond its signature: a token signed with one of the node's keys
 * still has to be one the node could have issued (its lifetime, its date, its key active then).
 */
describe('access tokens (real node)', () => {
  let node: TestNode;
  let officer: TestUser;
  const audience = 'regulink:330000';

  beforeAll(async () => {
    node = await bootTestNode({ REGULINK_REGION: '330000', REGULINK_TOKEN_TTL_SECONDS: '600' });
    officer = await newUser(node, [Role.Officer]);
  }, 60_000);

  afterAll(async () => {
    await node?.close();
  });

  /** A token for the officer signed with `signer`, issued at `iat` (seconds), living `life` seconds. */
  const token = (signer: Signer, iat: number, life: number) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: 'at+jwt' })
      .setSubject(officer.id)
      .setIssuer(audience)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + life)
      .sign(signer.privateKey);
  const status = async (bearer: string) => (await node.request('GET', '/auth/me', { token: bearer })).status;
  const now = () => Math.floor(Date.now() / 1000);

  it('refuses a token living longer than the node issues, or dated ahead', async () => {
    const signer = node.app.get(NodeIdentityService).signer();
    expect(await status(await token(signer, now(), 600))).toBe(200);
    expect(await status(await token(signer, now(), 601))).toBe(401);
    expect(await status(await token(signer, now(), 10 * 365 * 86_400))).toBe(401);
    expect(await status(await token(signer, now() + 3_600, 300))).toBe(401);
  });

  it('takes a retired key only for tokens issued before it was retired', async () => {
    const old = node.app.get(NodeIdentityService).signer();
    const before = await token(old, now() - 60, 600);
    const admin = await node.adminToken();
    expect((await node.request('POST', '/node/keys/rotate', { token: admin })).status).toBe(200);
    // A token issued before the rotation lives its life out; the old key makes no new one.
    expect(await status(before)).toBe(200);
    // Issued after the retirement (beyond the 5 s tolerated on times), even by a few seconds.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await status(await token(old, now() + 4, 300))).toBe(401);
    expect(await status(await node.adminToken())).toBe(200);
  });
});
