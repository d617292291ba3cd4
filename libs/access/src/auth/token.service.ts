import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { NodeIdentityService } from '@regulink/identity';
import { SIGNING_ALG, type PublicSigningJwk } from '@regulink/protocol';
import { AccessErrorCode, AccessException } from '../access.exception';
import { ALL_ROLES, type Role } from '../role';
import type { AuthenticatedUser } from './authenticated-user';

/** What a token says: who, and when that account's tokens were last revoked as it was issued. */
export interface TokenClaims extends AuthenticatedUser {
  /** Milliseconds since the epoch; 0 when the account's tokens had never been revoked. */
  readonly tokensRevokedAt: number;
}

/** Access tokens are JWTs of their own type, so they can never pass for a signed exchange message. */
const TOKEN_TYP = 'at+jwt';

/** Clock difference tolerated on a token's times. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Issues and checks the bearer tokens of local users. Tokens are signed with the node key and are
 * valid only at this node (issuer and audience are the node itself).
 */
@Injectable()
export class TokenService {
  /** The node's public keys as a key set, kept until the keys change (each key imported once). */
  private keySet:
    { from: readonly PublicSigningJwk[]; keys: ReturnType<typeof createLocalJWKSet> } | undefined;

  constructor(
    private readonly identity: NodeIdentityService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  private get audience(): string {
    return `regulink:${this.config.node.region}`;
  }

  async issue(user: TokenClaims): Promise<{ token: string; expiresIn: number }> {
    const signer = this.identity.signer();
    const expiresIn = this.config.auth.tokenTtlSeconds;
    // One reading of the time for both: read twice across a second's turn, exp − iat would be one
    // more than the TTL, and verify refuses such a token.
    const iat = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ roles: user.roles, name: user.username, rev: user.tokensRevokedAt })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: signer.kid, typ: TOKEN_TYP })
      .setSubject(user.id)
      .setIssuer(this.audience)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + expiresIn)
      .sign(signer.privateKey);
    return { token, expiresIn };
  }

  /**
   * The claims of a token this node could have issued, still alive. A token without `rev` (issued
   * before tokens carried it) reads as 0: good until its account's tokens are first revoked.
   */
  async verify(token: string): Promise<TokenClaims> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.keys(), {
        algorithms: [SIGNING_ALG],
        issuer: this.audience,
        audience: this.audience,
        typ: TOKEN_TYP,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      this.requireSound(payload.iat!, payload.exp!, protectedHeader.kid);
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is Role => ALL_ROLES.includes(r as Role))
        : [];
      return {
        id: payload.sub!,
        username: typeof payload.name === 'string' ? payload.name : '',
        roles,
        tokensRevokedAt: typeof payload.rev === 'number' ? payload.rev : 0,
      };
    } catch {
      throw new AccessException(AccessErrorCode.InvalidToken, 'the bearer token is invalid or expired');
    }
  }

  /**
   * What a token issued here always is, whoever holds a key: it lives at most the configured time,
   * is not dated ahead, and was issued while its key was active (a retired key, which may have
   * been rotated because it leaked, makes no token that outlives its retirement by more than that).
   */
  private requireSound(iat: number, exp: number, kid: string | undefined): void {
    const ttl = this.config.auth.tokenTtlSeconds;
    const now = Date.now() / 1000;
    if (exp - iat > ttl) throw new Error(`a token lives at most ${ttl} s`);
    if (iat > now + CLOCK_TOLERANCE_SECONDS) throw new Error('the token is dated ahead');
    const retired = kid ? this.identity.retiredAt(kid) : undefined;
    if (retired && iat * 1000 > retired.getTime() + CLOCK_TOLERANCE_SECONDS * 1000)
      throw new Error('the token was issued after its key was retired');
  }

  private keys(): ReturnType<typeof createLocalJWKSet> {
    const from = this.identity.publicKeys();
    if (this.keySet?.from !== from) {
      this.keySet = { from, keys: createLocalJWKSet({ keys: from.map((k) => ({ ...k })) }) };
    }
    return this.keySet.keys;
  }
}
