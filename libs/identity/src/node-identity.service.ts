import { randomBytes } from 'node:crypto';
import { existsSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { signNodeCard, type PublicSigningJwk, type SignedNodeCard, type Signer } from '@regulink/protocol';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { KeyRingStore, type KeyRing } from './key-ring.store';

const GENERATED_PASSPHRASE_FILE = 'key-passphrase';
/**
 * How often the key file is looked at for a change made by another process (a key rotated at
 * another replica of the node): well inside the 5 s by which tokens tolerate a key retired late.
 */
const KEY_FILE_POLL_MS = 1_000;

/**
 * Who this node is: its region, its signing keys and the signed node card it publishes. The
 * private key never leaves this service except as the opaque key object handed to signing code.
 */
@Injectable()
export class NodeIdentityService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NodeIdentityService.name);
  private store!: KeyRingStore;
  private ring!: KeyRing;
  private card!: SignedNodeCard;
  /** The rotation (or reading of the key file) in progress, if any; the next one waits for it. */
  private rotating: Promise<unknown> = Promise.resolve();
  private readonly fileChanged = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) this.reread();
  };

  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  async onModuleInit(): Promise<void> {
    this.store = new KeyRingStore(this.config.keys.file, await this.passphrase());
    this.ring = await this.store.open();
    this.logger.log(
      { kid: this.ring.activeKid, keyFile: this.config.keys.file, created: this.ring.created },
      this.ring.created ? 'created a new node signing key' : 'loaded the node signing key',
    );
    this.card = await this.buildCard();
    // Replicas of the node share its key file: a key rotated at one is taken up by the others.
    watchFile(this.config.keys.file, { interval: KEY_FILE_POLL_MS, persistent: false }, this.fileChanged);
  }

  onModuleDestroy(): void {
    unwatchFile(this.config.keys.file, this.fileChanged);
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
   * old one, and the key of the first written would be lost with whatever it had signed (the
   * replicas of a node take turns under a lock of their database, see the node card controller).
   */
  rotate(): Promise<{ activeKid: string; retiredKid: string }> {
    const rotation = this.rotating.then(async () => {
      const held = this.ring.activeKid;
      const { ring, retiredKid } = await this.store.rotate();
      this.ring = ring;
      this.card = await this.buildCard();
      this.logger.log({ activeKid: ring.activeKid, retiredKid }, 'rotated the node signing key');
      return { activeKid: ring.activeKid, retiredKid: retiredKid ?? held };
    });
    this.rotating = rotation.catch(() => undefined);
    return rotation;
  }

  /**
   * Reads the key file again, after another process changed it: a key rotated at another replica
   * is signed with from now on, and the one it retired is known as retired. A file that cannot be
   * read as a key ring leaves the keys as they were, and says so.
   */
  private reread(): void {
    this.rotating = this.rotating.then(async () => {
      try {
        const ring = await this.store.reopen();
        if (!ring) throw new Error(`the key file ${this.config.keys.file} is gone`);
        const known = this.ring.publicKeys.map((k) => k.kid).join();
        if (ring.activeKid === this.ring.activeKid && ring.publicKeys.map((k) => k.kid).join() === known)
          return;
        const retiredKid = this.ring.activeKid;
        this.ring = ring;
        this.card = await this.buildCard();
        this.logger.log(
          { activeKid: ring.activeKid, retiredKid },
          'took up the node signing keys written to the key file by another process',
        );
      } catch (error) {
        this.logger.error(
          { err: error, keyFile: this.config.keys.file, activeKid: this.ring.activeKid },
          "the key file changed but cannot be read as this node's key ring: still signing with the keys held",
        );
      }
    });
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
        ...(this.ring.retiredAt.size > 0
          ? {
              retired: Object.fromEntries(
                [...this.ring.retiredAt].map(([kid, at]) => [kid, at.toISOString()]),
              ),
            }
          : {}),
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
