import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  compactDecrypt,
  CompactEncrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { SIGNING_ALG, toPublicSigningJwk, type PublicSigningJwk, type Signer } from '@regulink/protocol';
import { IdentityErrorCode, IdentityException } from './identity.exception';

/** Key wrapping for private keys at rest: PBES2 (PBKDF2-SHA-512) + AES-256 key wrap, AES-256-GCM. */
const WRAP_ALG = 'PBES2-HS512+A256KW';
const WRAP_ENC = 'A256GCM';
const WRAP_ITERATIONS = 210_000;

interface StoredKey {
  readonly kid: string;
  readonly publicJwk: PublicSigningJwk;
  readonly createdAt: string;
  readonly retiredAt?: string;
  /** The private JWK, as a compact JWE under the passphrase. */
  readonly privateJwe: string;
}

interface KeyRingFile {
  readonly v: 1;
  readonly activeKid: string;
  readonly keys: readonly StoredKey[];
}

export interface KeyRing {
  readonly active: Signer;
  readonly activeKid: string;
  /** Every public key, newest first; retired keys stay for verifying what they signed. */
  readonly publicKeys: readonly PublicSigningJwk[];
  /** When each retired key stopped signing, by kid. */
  readonly retiredAt: ReadonlyMap<string, Date>;
  readonly created: boolean;
}

/**
 * The node's signing keys in one file: public halves in clear, private halves encrypted with the
 * configured passphrase. Written atomically with owner-only permissions.
 */
export class KeyRingStore {
  constructor(
    private readonly path: string,
    private readonly passphrase: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Opens the ring, creating it with a fresh key on first use. */
  async open(): Promise<KeyRing> {
    const file = await this.read();
    if (!file) {
      const stored = await this.newKey();
      await this.write({ v: 1, activeKid: stored.kid, keys: [stored] });
      return this.toRing({ v: 1, activeKid: stored.kid, keys: [stored] }, true);
    }
    return this.toRing(file, false);
  }

  /** The ring as the file holds it now (written by another process, say); undefined when there is no file. */
  async reopen(): Promise<KeyRing | undefined> {
    const file = await this.read();
    return file && this.toRing(file, false);
  }

  /** Retires the active key (as the file holds it) and makes a new one active. */
  async rotate(): Promise<{ ring: KeyRing; retiredKid: string | null }> {
    const file = await this.read();
    if (!file) return { ring: await this.open(), retiredKid: null };
    const retiredAt = this.now().toISOString();
    const stored = await this.newKey();
    const keys = [stored, ...file.keys.map((k) => (k.retiredAt ? k : { ...k, retiredAt }))];
    const next: KeyRingFile = { v: 1, activeKid: stored.kid, keys };
    await this.write(next);
    return { ring: await this.toRing(next, true), retiredKid: file.activeKid };
  }

  private async toRing(file: KeyRingFile, created: boolean): Promise<KeyRing> {
    const active = file.keys.find((k) => k.kid === file.activeKid);
    if (!active)
      throw new IdentityException(
        IdentityErrorCode.KeyFileCorrupt,
        'the active key is missing from the key file',
      );
    const privateKey = await this.unwrap(active);
    return {
      active: { kid: active.kid, privateKey },
      activeKid: active.kid,
      publicKeys: file.keys.map((k) => k.publicJwk),
      retiredAt: new Map(file.keys.flatMap((k) => (k.retiredAt ? [[k.kid, new Date(k.retiredAt)]] : []))),
      created,
    };
  }

  private async newKey(): Promise<StoredKey> {
    const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const publicJwk = await toPublicSigningJwk(privateJwk);
    const privateJwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
      .setProtectedHeader({ alg: WRAP_ALG, enc: WRAP_ENC, kid: publicJwk.kid })
      .setKeyManagementParameters({ p2c: WRAP_ITERATIONS })
      .encrypt(new TextEncoder().encode(this.passphrase));
    return { kid: publicJwk.kid, publicJwk, createdAt: this.now().toISOString(), privateJwe };
  }

  private async unwrap(stored: StoredKey): Promise<CryptoKey> {
    let plaintext: Uint8Array;
    try {
      ({ plaintext } = await compactDecrypt(stored.privateJwe, new TextEncoder().encode(this.passphrase), {
        keyManagementAlgorithms: [WRAP_ALG],
        contentEncryptionAlgorithms: [WRAP_ENC],
        maxPBES2Count: 1_000_000,
      }));
    } catch {
      throw new IdentityException(
        IdentityErrorCode.WrongPassphrase,
        `the key file ${this.path} cannot be decrypted with the configured passphrase`,
      );
    }
    const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
    const derived = await toPublicSigningJwk(jwk);
    if (derived.kid !== stored.kid) {
      throw new IdentityException(
        IdentityErrorCode.KeyFileCorrupt,
        'a private key does not match its public key',
      );
    }
    return (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
  }

  private async read(): Promise<KeyRingFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new IdentityException(
        IdentityErrorCode.KeyFileUnreadable,
        `the key file ${this.path} cannot be read`,
      );
    }
    try {
      const parsed = JSON.parse(text) as KeyRingFile;
      if (parsed.v !== 1 || !Array.isArray(parsed.keys) || typeof parsed.activeKid !== 'string')
        throw new Error();
      return parsed;
    } catch {
      throw new IdentityException(
        IdentityErrorCode.KeyFileCorrupt,
        `the key file ${this.path} is not a Regulink key ring`,
      );
    }
  }

  private async write(file: KeyRingFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }
}
