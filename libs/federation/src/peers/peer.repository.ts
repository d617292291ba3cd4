import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { PeerEntity } from './peer.entity';

@Injectable()
export class PeerRepository {
  constructor(@InjectRepository(PeerEntity) private readonly peers: Repository<PeerEntity>) {}

  findByRegion(region: string): Promise<PeerEntity | null> {
    return this.peers.findOneBy({ region });
  }

  list(): Promise<PeerEntity[]> {
    return this.peers.find({ order: { region: 'ASC' } });
  }

  async save(peer: PeerEntity): Promise<PeerEntity> {
    return this.peers.save(peer);
  }
}
