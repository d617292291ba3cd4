import { exportJWK, generateKeyPair } from 'jose';
import type { NodeConfig } from '@regulink/config';
import type { NodeIdentityService } from '@regulink/identity';
import type { PublicSigningJwk } from '@regulink/protocol';
import { Role } from '../role';
import { TokenService } from './token.service';

describe('TokenService', () => {
  it('issues a token whose life is exactly the TTL, also when a second turns while it is made', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' } as PublicSigningJwk;
    const identity = {
      signer: () => ({ kid: 'k1', privateKey }),
      publicKeys: () => [jwk],
      retiredAt: () => undefined,
    } as unknown as NodeIdentityService;
    const config = { node: { region: '330000' }, auth: { tokenTtlSeconds: 600 } } as unknown as NodeConfig;
    const tokens = new TokenService(identity, config);

    // Each reading of the time a millisecond later than the one before, starting just before a
    // second's turn: times read twice while the token is made fall in two different seconds.
    const start = Math.floor(Date.now() / 1000) * 1000 + 999;
    let ms = start;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => ms++);
    const time = jest.spyOn(Date.prototype, 'getTime').mockImplementation(() => ms++);
    try {
      const { token } = await tokens.issue({
        id: 'u1',
        username: 'li.wei',
        roles: [Role.Officer],
        tokensRevokedAt: 0,
      });
      const [, payload] = token.split('.') as [string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iat: number; exp: number };
      expect(claims.exp - claims.iat).toBe(600);
      await expect(tokens.verify(token)).resolves.toMatchObject({ id: 'u1', roles: [Role.Officer] });
    } finally {
      now.mockRestore();
      time.mockRestore();
    }
  });
});
