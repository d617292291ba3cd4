import { calculateJwkThumbprint, exportJWK, importJWK, type CryptoKey, type JWK } from 'jose';

/** The only signature algorithm nodes use: Ed25519 (JWS "EdDSA"). */
export const SIGNING_ALG = 'EdDSA';

/** A node's public verification key as published on its node card and JWKS. */
export interface PublicSigningJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  /** RFC 7638 SHA-256 thumbprint of the key. */
  readonly kid: string;
  readonly alg: typeof SIGNING_ALG;
  readonly use: 'sig';
}

/** What signing code needs: the private key and the id verifiers look it up by. */
export interface Signer {
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

/** The public JWK of a key, with its thumbprint as `kid`. */
export async function toPublicSigningJwk(key: CryptoKey | JWK): Promise<PublicSigningJwk> {
  const jwk = 'type' in key ? await exportJWK(key) : key;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new TypeError('not an Ed25519 key');
  }
  const core = { kty: 'OKP', crv: 'Ed25519', x: jwk.x } as const;
  return { ...core, kid: await calculateJwkThumbprint(core, 'sha256'), alg: SIGNING_ALG, use: 'sig' };
}

/** True when the JWK is a well-formed Ed25519 public key whose `kid` is its own thumbprint. */
export async function isSelfConsistentJwk(jwk: unknown): Promise<boolean> {
  if (!jwk || typeof jwk !== 'object') return false;
  const candidate = jwk as Record<string, unknown>;
  if (candidate.kty !== 'OKP' || candidate.crv !== 'Ed25519' || typeof candidate.x !== 'string') return false;
  if ('d' in candidate) return false;
  if (!/^[A-Za-z0-9_-]{43}$/.test(candidate.x)) return false;
  const thumbprint = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: candidate.x }, 'sha256');
  return candidate.kid === thumbprint;
}

export async function importPublicKey(jwk: PublicSigningJwk): Promise<CryptoKey> {
  return (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, SIGNING_ALG)) as CryptoKey;
}
