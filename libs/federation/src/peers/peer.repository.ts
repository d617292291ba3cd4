import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { sha256Base64Url } from '@regulink/protocol';
import { PeerCardEntity } from './peer-card.entity';
import { PeerEntity } from './peer.entity';

/** The columns a change to a stored peer may write; the others stay as they are. */
export type PeerChanges = Partial<Omit<PeerEntity, 'region' | 'importedAt' | 'importedBy'>>;

/** Writes changes to the locked peer, in the transaction that holds its lock. */
export type PeerUpdate = (changes: PeerChanges) => Promise<void>;

@Injectable()
export class PeerRepository {
  constructor(@InjectRepository(PeerEntity) private readonly peers: Repository<PeerEntity>) {}

  findByRegion(region: string): Promise<PeerEntity | null> {
    return this.peers.findOneBy({ region });
  }

  list(): Promise<PeerEntity[]> {
    return this.peers.find({ order: { region: 'ASC' } });
  }

  /**
   * Runs `work` in one transaction on the peer as stored, its row locked until the transaction
   * ends: changes to one peer, from whichever replica, run one after the other, each deciding on
   * what the one before committed. `work` gets null when the peer is not stored.
   *
   * With `absent`, a peer not stored yet is first inserted as `absent` (its new row is held as the
   * lock would hold it); `work` then gets null and has nothing to write. Two callers inserting the
   * same peer also run one after the other: the second waits for the first, then locks its row.
   */
  lockForChange<T>(
    region: string,
    work: (stored: PeerEntity | null, update: PeerUpdate) => Promise<T>,
    absent?: PeerEntity,
  ): Promise<T> {
    return this.peers.manager.transaction(async (manager) => {
      const update: PeerUpdate = async (changes) => {
        await manager.update(PeerEntity, { region }, changes as QueryDeepPartialEntity<PeerEntity>);
        if (changes.cardJws) await this.keepCard(manager, region, changes.cardJws);
      };
      if (absent && (await this.insertIfAbsent(manager, absent))) {
        await this.keepCard(manager, region, absent.cardJws);
        return work(null, update);
      }
      const stored = await manager
        .getRepository(PeerEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.region = :region', { region })
        .getOne();
      return work(stored, update);
    });
  }

  /** Every card pinned for the peer, the most recently pinned first. */
  async cards(region: string): Promise<string[]> {
    const rows = await this.peers.manager
      .getRepository(PeerCardEntity)
      .find({ where: { region }, order: { pinnedAt: 'DESC' } });
    return rows.map((row) => row.cardJws);
  }

  /** Keeps a card pinned for the peer (once: pinned again, it keeps its first time). */
  private async keepCard(manager: EntityManager, region: string, cardJws: string): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(PeerCardEntity)
      .values({ region, digest: sha256Base64Url(cardJws), cardJws, pinnedAt: new Date() })
      .orIgnore()
      .execute();
  }

  /** Inserts the peer unless its region is stored (or being stored: then waits for that to end). */
  private async insertIfAbsent(manager: EntityManager, peer: PeerEntity): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(PeerEntity)
      .values(peer)
      .orIgnore()
      .returning(['region'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }
}
