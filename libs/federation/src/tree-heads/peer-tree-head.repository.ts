import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThan, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { PeerTreeHeadEntity, type ConsistencyStatus } from './peer-tree-head.entity';

@Injectable()
export class PeerTreeHeadRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Keeps a head the peer sent, unless one of that size is held: the same head again changes
   * nothing; a head of that size with another root is kept beside the held one as the proof that
   * the peer signed two logs, which makes it inconsistent. Returns whether it was such a head.
   */
  async insertIfNew(manager: EntityManager, head: PeerTreeHeadEntity): Promise<boolean> {
    const problem = `${head.peer} signed two different roots for ${head.size} entries`;
    const rows: { conflicting: boolean }[] = await manager.query(
      `INSERT INTO federation_peer_tree_head AS h (peer, size, root, jws, received_at, consistency)
       VALUES ($1, $2, $3, $4, $5, 'unchecked')
       ON CONFLICT (peer, size) DO UPDATE
         SET consistency = 'inconsistent', problem = $6, conflicting_jws = excluded.jws, checked_at = now()
         WHERE h.root <> excluded.root AND h.conflicting_jws IS NULL
       RETURNING h.conflicting_jws IS NOT NULL AS conflicting`,
      [head.peer, head.size, head.root, head.jws, head.receivedAt, problem],
    );
    return rows[0]?.conflicting ?? false;
  }

  unchecked(limit: number): Promise<PeerTreeHeadEntity[]> {
    return this.dataSource.getRepository(PeerTreeHeadEntity).find({
      where: { consistency: 'unchecked' },
      order: { receivedAt: 'ASC' },
      take: limit,
    });
  }

  /**
   * The head of the peer found consistent nearest to `size`, below it (the largest smaller) or
   * above it (the smallest larger).
   */
  nearestTrusted(peer: string, size: string, side: 'below' | 'above'): Promise<PeerTreeHeadEntity | null> {
    return this.dataSource.getRepository(PeerTreeHeadEntity).findOne({
      where: { peer, size: side === 'below' ? LessThan(size) : MoreThan(size), consistency: 'consistent' },
      order: { size: side === 'below' ? 'DESC' : 'ASC' },
    });
  }

  async mark(
    peer: string,
    size: string,
    consistency: ConsistencyStatus,
    problem: string | null,
  ): Promise<void> {
    await this.dataSource
      .getRepository(PeerTreeHeadEntity)
      .update({ peer, size }, { consistency, problem, checkedAt: new Date() });
  }

  list(peer: string): Promise<PeerTreeHeadEntity[]> {
    return this.dataSource
      .getRepository(PeerTreeHeadEntity)
      .find({ where: { peer }, order: { size: 'DESC' } });
  }
}
