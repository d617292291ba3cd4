import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CryptoKey } from 'jose';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { TableWatch } from '@regulink/persistence';
import {
  importPublicKey,
  NodeCardError,
  verifyNodeCard,
  type NodeCard,
  type PublicSigningJwk,
} from '@regulink/protocol';
import { Clock } from '../clock';
import { FederationErrorCode, FederationException } from '../federation.exception';
import type { PeerResponseDto } from './dto/peer-response.dto';
import { PeerEntity } from './peer.entity';
import { PeerRepository } from './peer.repository';

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
    const existing = await this.peers.findByRegion(card.region);
    if (existing && !sameKeys(existing.pinnedKeys, card.keys)) {
      throw new FederationException(
        FederationErrorCode.PeerKeysChanged,
        `the card for ${card.region} carries other keys than the ones pinned; re-pin explicitly to accept them`,
      );
    }
    const saved = await this.save(this.toEntity(card, (signed as { jws: string }).jws, by, allow, existing));
    this.logger.log(
      { peer: card.region, by, allowed: saved.allowed, kids: card.keys.map((k) => k.kid) },
      existing ? 'refreshed a peer card' : 'imported a peer card',
    );
    return PeersService.map(saved);
  }

  /** Replaces the pinned keys of a known peer with those of a new card: an explicit administrator act. */
  async repin(region: string, signed: unknown, by: string): Promise<PeerResponseDto> {
    const existing = await this.requireStored(region);
    const card = await this.verifiedCard(signed);
    if (card.region !== region) {
      throw new FederationException(
        FederationErrorCode.PeerRegionMismatch,
        `the card is for ${card.region}, not ${region}`,
      );
    }
    const saved = await this.save(
      this.toEntity(card, (signed as { jws: string }).jws, by, existing.allowed, existing),
    );
    this.forgetKeys(region);
    this.logger.warn(
      { peer: region, by, before: existing.pinnedKeys.map((k) => k.kid), after: card.keys.map((k) => k.kid) },
      're-pinned the keys of a peer',
    );
    return PeersService.map(saved);
  }

  async setAllowed(region: string, allowed: boolean, by: string): Promise<PeerResponseDto> {
    const peer = await this.requireStored(region);
    peer.allowed = allowed;
    peer.updatedAt = this.clock.now();
    const saved = await this.save(peer);
    this.logger.log(
      { peer: region, allowed, by },
      allowed ? 'allowed exchanges with a peer' : 'stopped exchanges with a peer',
    );
    return PeersService.map(saved);
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
    if (!peer) throw new FederationException(FederationErrorCode.PeerNotFound, `no peer ${region}`);
    return peer;
  }

  /** The peer as stored now, an entity of the caller's own to change and save. */
  private async requireStored(region: string): Promise<PeerEntity> {
    const peer = await this.peers.findByRegion(region);
    if (!peer) throw new FederationException(FederationErrorCode.PeerNotFound, `no peer ${region}`);
    return peer;
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

  /** Saves a change; this process's next read sees it without waiting for the change notice. */
  private async save(peer: PeerEntity): Promise<PeerEntity> {
    const saved = await this.peers.save(peer);
    this.watch.changed('federation_peer');
    return saved;
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

  private toEntity(
    card: NodeCard,
    jws: string,
    by: string,
    allow: boolean,
    existing: PeerEntity | null,
  ): PeerEntity {
    const now = this.clock.now();
    const peer = existing ?? new PeerEntity();
    peer.region = card.region;
    peer.name = card.name;
    peer.apiEndpoint = card.endpoints.api;
    peer.federationEndpoint = card.endpoints.federation!;
    peer.pinnedKeys = [...card.keys];
    peer.cardJws = jws;
    peer.allowed = existing ? existing.allowed || allow : allow;
    peer.importedAt = existing?.importedAt ?? now;
    peer.importedBy = existing?.importedBy ?? by;
    peer.updatedAt = now;
    return peer;
  }

  static map(peer: PeerEntity): PeerResponseDto {
    return {
      region: peer.region,
      name: peer.name,
      apiEndpoint: peer.apiEndpoint,
      federationEndpoint: peer.federationEndpoint,
      pinnedKids: peer.pinnedKeys.map((k) => k.kid),
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
