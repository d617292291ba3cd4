import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThan, type DataSource, type EntityManager } from 'typeorm';
import { PeerTreeHeadEntity, type ConsistencyStatus } from './peer-tree-head.entity';

@Injectable()
export class PeerTreeHeadRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insertIfNew(manager: EntityManager, head: PeerTreeHeadEntity): Promise<void> {
    await manager.createQueryBuilder().insert().into(PeerTreeHeadEntity).values(head).orIgnore().execute();
  }

  unchecked(limit: number): Promise<PeerTreeHeadEntity[]> {
    return this.dataSource.getRepository(PeerTreeHeadEntity).find({
      where: { consistency: 'unchecked' },
      order: { receivedAt: 'ASC' },
      take: limit,
    });
  }

  /** The largest head of the peer below `size` that was found consistent (or is the first one held). */
  previousTrusted(peer: string, size: string): Promise<PeerTreeHeadEntity | null> {
    return this.dataSource.getRepository(PeerTreeHeadEntity).findOne({
      where: { peer, size: LessThan(size), consistency: 'consistent' },
      order: { size: 'DESC' },
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
