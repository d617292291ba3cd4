import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { signNodeCard, type PublicSigningJwk, type SignedNodeCard, type Signer } from '@regulink/protocol';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { KeyRingStore, type KeyRing } from './key-ring.store';

const GENERATED_PASSPHRASE_FILE = 'key-passphrase';

/**
 * Who this node is: its region, its signing keys and the signed node card it publishes. The
 * private key never leaves this service except as the opaque key object handed to signing code.
 */
@Injectable()
export class NodeIdentityService implements OnModuleInit {
  private readonly logger = new Logger(NodeIdentityService.name);
  private store!: KeyRingStore;
  private ring!: KeyRing;
  private card!: SignedNodeCard;
  /** The rotation in progress, if any; the next one waits for it. */
  private rotating: Promise<unknown> = Promise.resolve();

  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  async onModuleInit(): Promise<void> {
    this.store = new KeyRingStore(this.config.keys.file, await this.passphrase());
    this.ring = await this.store.open();
    this.logger.log(
      { kid: this.ring.activeKid, keyFile: this.config.keys.file, created: this.ring.created },
      this.ring.created ? 'created a new node signing key' : 'loaded the node signing key',
    );
    this.card = await this.buildCard();
  }

  get region(): string {
    return this.config.node.region;
  }

  /** The active signing key, for code that signs on the node's behalf. */
  signer(): Signer {
    return this.ring.active;
  }

  /** All public keys, including retired ones kept for verification. */
  publicKeys(): readonly PublicSigningJwk[] {
    return this.ring.publicKeys;
  }

  /** When key `kid` was retired (stopped signing); undefined for the active key or an unknown one. */
  retiredAt(kid: string): Date | undefined {
    return this.ring.retiredAt.get(kid);
  }

  signedCard(): SignedNodeCard {
    return this.card;
  }

  /**
   * Makes a new key active; the previous ones stay on the card for verifying what they signed.
   * Rotations run one after the other: two at once would each write the key file from the same
   * old one, and the key of the first written would be lost with whatever it had signed.
   */
  rotate(): Promise<{ activeKid: string; retiredKid: string }> {
    const rotation = this.rotating.then(async () => {
      const retiredKid = this.ring.activeKid;
      this.ring = await this.store.rotate();
      this.card = await this.buildCard();
      this.logger.log({ activeKid: this.ring.activeKid, retiredKid }, 'rotated the node signing key');
      return { activeKid: this.ring.activeKid, retiredKid };
    });
    this.rotating = rotation.catch(() => undefined);
    return rotation;
  }

  private buildCard(): Promise<SignedNodeCard> {
    return signNodeCard(
      {
        v: 1,
        region: this.config.node.region,
        name: this.config.node.name,
        endpoints: { api: this.config.http.publicUrl, federation: this.config.federation.publicEndpoint },
        keys: this.ring.publicKeys,
        activeKid: this.ring.activeKid,
        issuedAt: new Date().toISOString(),
      },
      this.ring.active,
    );
  }

  /**
   * The configured passphrase; without one, a random passphrase kept in the data folder so that a
   * local node starts with no setup. That protects nothing against someone who can read the
   * folder, hence the warning: production nodes configure REGULINK_KEY_PASSPHRASE.
   */
  private async passphrase(): Promise<string> {
    if (this.config.keys.passphrase) return this.config.keys.passphrase;
    const path = join(this.config.node.dataDir, GENERATED_PASSPHRASE_FILE);
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch {
      if (existsSync(this.config.keys.file)) {
        throw new IdentityException(
          IdentityErrorCode.WrongPassphrase,
          `the key file ${this.config.keys.file} exists but no passphrase is configured (REGULINK_KEY_PASSPHRASE)`,
        );
      }
    }
    const generated = randomBytes(32).toString('base64url');
    await writeFile(path, generated + '\n', { mode: 0o600, flag: 'wx' });
    this.logger.warn(
      { passphraseFile: path },
      'no REGULINK_KEY_PASSPHRASE configured: generated one and stored it in the data folder; set REGULINK_KEY_PASSPHRASE on production nodes',
    );
    return generated;
  }
}
