import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CryptoKey } from 'jose';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { TableWatch } from '@regulink/persistence';
import {
  importPublicKey,
  NodeCardError,
  signedWhileActive,
  verifyNodeCard,
  type NodeCard,
  type PublicSigningJwk,
  type SignedNodeCard,
} from '@regulink/protocol';
import { Clock } from '../clock';
import { FederationErrorCode, FederationException } from '../federation.exception';
import type { PeerResponseDto } from './dto/peer-response.dto';
import { PeerEntity } from './peer.entity';
import { PeerRepository, type PeerChanges, type PeerUpdate } from './peer.repository';

/**
 * The peer directory. A peer enters it only through its signed node card, and the keys on that
 * card are pinned: a card with other keys is refused until an administrator re-pins explicitly.
 */
@Injectable()
export class PeersService {
  private readonly logger = new Logger(PeersService.name);
  private readonly keyCache = new Map<string, CryptoKey>();

  constructor(
    private readonly peers: PeerRepository,
    private readonly watch: TableWatch,
    private readonly clock: Clock,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Adds a peer from its card, or refreshes a known peer whose card carries the same keys. */
  async importCard(signed: unknown, by: string, allow: boolean): Promise<PeerResponseDto> {
    const card = await this.verifiedCard(signed);
    const jws = (signed as { jws: string }).jws;
    const now = this.clock.now();
    const created = Object.assign(new PeerEntity(), {
      region: card.region,
      ...cardColumns(card, jws),
      allowed: allow,
      importedAt: now,
      importedBy: by,
      updatedAt: now,
    });
    const { peer, refreshed } = await this.change(
      card.region,
      async (stored, update) => {
        if (!stored) return { peer: created, refreshed: false };
        if (!sameKeys(stored.pinnedKeys, card.keys)) {
          throw new FederationException(
            FederationErrorCode.PeerKeysChanged,
            `the card for ${card.region} carries other keys than the ones pinned (it rotated its key, say); ` +
              `re-pin explicitly to accept them (POST /federation/peers/${card.region}/repin, or regulink card repin <file>)`,
          );
        }
        // A refresh may put the peer on the allow list, never take it off: that is setAllowed's.
        const changes: PeerChanges = {
          ...cardColumns(card, jws, stored),
          ...(allow && !stored.allowed ? { allowed: true } : {}),
          updatedAt: this.clock.now(),
        };
        await update(changes);
        return { peer: Object.assign(stored, changes), refreshed: true };
      },
      created,
    );
    this.logger.log(
      { peer: card.region, by, allowed: peer.allowed, kids: card.keys.map((k) => k.kid) },
      refreshed ? 'refreshed a peer card' : 'imported a peer card',
    );
    return PeersService.map(peer);
  }

  /** Replaces the pinned keys of a known peer with those of a new card: an explicit administrator act. */
  async repin(region: string, signed: unknown, by: string): Promise<PeerResponseDto> {
    const { peer, before } = await this.change(region, async (stored, update) => {
      if (!stored) throw notFound(region);
      const card = await this.verifiedCard(signed);
      if (card.region !== region) {
        throw new FederationException(
          FederationErrorCode.PeerRegionMismatch,
          `the card is for ${card.region}, not ${region}`,
        );
      }
      const before = stored.pinnedKeys.map((k) => k.kid);
      const changes: PeerChanges = {
        ...cardColumns(card, (signed as { jws: string }).jws, stored),
        updatedAt: this.clock.now(),
      };
      await update(changes);
      return { peer: Object.assign(stored, changes), before };
    });
    this.forgetKeys(region);
    this.logger.warn(
      { peer: region, by, before, after: peer.pinnedKeys.map((k) => k.kid) },
      're-pinned the keys of a peer',
    );
    return PeersService.map(peer);
  }

  async setAllowed(region: string, allowed: boolean, by: string): Promise<PeerResponseDto> {
    const peer = await this.change(region, async (stored, update) => {
      if (!stored) throw notFound(region);
      const changes: PeerChanges = { allowed, updatedAt: this.clock.now() };
      await update(changes);
      return Object.assign(stored, changes);
    });
    this.logger.log(
      { peer: region, allowed, by },
      allowed ? 'allowed exchanges with a peer' : 'stopped exchanges with a peer',
    );
    return PeersService.map(peer);
  }

  async list(): Promise<PeerResponseDto[]> {
    return (await this.all()).map((p) => PeersService.map(p));
  }

  /** The regions of this node's peers, as every routing decision reads them. */
  async regions(): Promise<string[]> {
    return (await this.all()).map((p) => p.region);
  }

  /**
   * The peer, as every envelope in and out looks it up: held in memory until the peer table
   * changes (see TableWatch), whichever replica of the node, or whoever, changed it. The entity
   * is shared by the callers: read it, never change it.
   */
  find(region: string): Promise<PeerEntity | null> {
    return this.watch.read('federation_peer', `region:${region}`, () => this.peers.findByRegion(region));
  }

  /** Every peer, by region (shared as {@link find}'s are). */
  private all(): Promise<PeerEntity[]> {
    return this.watch.read('federation_peer', 'all', () => this.peers.list());
  }

  async listAllowed(): Promise<PeerEntity[]> {
    return (await this.all()).filter((p) => p.allowed);
  }

  async require(region: string): Promise<PeerEntity> {
    const peer = await this.find(region);
    if (!peer) throw notFound(region);
    return peer;
  }

  /**
   * The cards of a peer as signed by it: the one pinned now first, then those it replaced, the most
   * recently pinned first.
   */
  async cards(region: string): Promise<SignedNodeCard[]> {
    const peer = await this.require(region);
    const jwss = [peer.cardJws, ...(await this.peers.cards(region)).filter((jws) => jws !== peer.cardJws)];
    return jwss.map((jws) => ({
      card: JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as NodeCard,
      jws,
    }));
  }

  /**
   * Whether a signature of the peer by key `kid`, dated `signedAt` (as the signed document says),
   * was made before the peer retired that key: what a key signed after its retirement is not the
   * peer's (a stolen key, say).
   */
  signedWhileActive(peer: PeerEntity, kid: string, signedAt: Date | string): boolean {
    return signedWhileActive(peer.retiredKeys, kid, signedAt);
  }

  /** The pinned key of a peer for a kid, or undefined when that kid is not pinned. */
  async pinnedKey(peer: PeerEntity, kid: string): Promise<CryptoKey | undefined> {
    const jwk = peer.pinnedKeys.find((k) => k.kid === kid);
    if (!jwk) return undefined;
    const cacheKey = `${peer.region}/${kid}`;
    let key = this.keyCache.get(cacheKey);
    if (!key) {
      key = await importPublicKey(jwk);
      this.keyCache.set(cacheKey, key);
    }
    return key;
  }

  /**
   * Every change to a peer goes through here: `work` decides on the peer as stored, its row locked
   * (see {@link PeerRepository.lockForChange}). Once the change is committed, this process's next
   * read sees it without waiting for the change notice.
   */
  private async change<T>(
    region: string,
    work: (stored: PeerEntity | null, update: PeerUpdate) => Promise<T>,
    absent?: PeerEntity,
  ): Promise<T> {
    const result = await this.peers.lockForChange(region, work, absent);
    this.watch.changed('federation_peer');
    return result;
  }

  private forgetKeys(region: string): void {
    for (const key of [...this.keyCache.keys()]) if (key.startsWith(`${region}/`)) this.keyCache.delete(key);
  }

  private async verifiedCard(signed: unknown): Promise<NodeCard> {
    let card: NodeCard;
    try {
      card = await verifyNodeCard(signed);
    } catch (error) {
      const reason = error instanceof NodeCardError ? error.message : 'the card cannot be read';
      throw new FederationException(FederationErrorCode.PeerCardInvalid, reason);
    }
    if (card.region === this.config.node.region) {
      throw new FederationException(FederationErrorCode.PeerIsSelf, 'this is the card of this node');
    }
    if (!card.endpoints.federation) {
      throw new FederationException(
        FederationErrorCode.PeerCardInvalid,
        'the card names no federation endpoint',
      );
    }
    return card;
  }

  static map(peer: PeerEntity): PeerResponseDto {
    return {
      region: peer.region,
      name: peer.name,
      apiEndpoint: peer.apiEndpoint,
      federationEndpoint: peer.federationEndpoint,
      pinnedKids: peer.pinnedKeys.map((k) => k.kid),
      retiredKids: { ...peer.retiredKeys },
      allowed: peer.allowed,
      importedAt: peer.importedAt.toISOString(),
      importedBy: peer.importedBy,
      updatedAt: peer.updatedAt.toISOString(),
    };
  }
}

function sameKeys(a: readonly PublicSigningJwk[], b: readonly PublicSigningJwk[]): boolean {
  const left = a.map((k) => k.kid).sort();
  const right = b.map((k) => k.kid).sort();
  return left.length === right.length && left.every((kid, i) => kid === right[i]);
}

/**
 * The columns a peer's card gives. Retirements are kept whatever a later card says, of keys it
 * lists or not (the earliest time known of each): no card can make a retired key active again.
 */
function cardColumns(
  card: NodeCard,
  jws: string,
  stored?: PeerEntity,
): Pick<
  PeerEntity,
  'name' | 'apiEndpoint' | 'federationEndpoint' | 'pinnedKeys' | 'cardJws' | 'retiredKeys'
> {
  const retiredKeys: Record<string, string> = { ...stored?.retiredKeys };
  for (const [kid, at] of Object.entries(card.retired ?? {})) {
    const known = retiredKeys[kid];
    if (known === undefined || Date.parse(at) < Date.parse(known)) retiredKeys[kid] = at;
  }
  if (retiredKeys[card.activeKid] !== undefined) {
    throw new FederationException(
      FederationErrorCode.PeerCardInvalid,
      `the card makes key ${card.activeKid} active again, which ${card.region} retired at ${retiredKeys[card.activeKid]}`,
    );
  }
  return {
    name: card.name,
    apiEndpoint: card.endpoints.api,
    federationEndpoint: card.endpoints.federation!,
    pinnedKeys: [...card.keys],
    cardJws: jws,
    retiredKeys,
  };
}

function notFound(region: string): FederationException {
  return new FederationException(FederationErrorCode.PeerNotFound, `no peer ${region}`);
}
