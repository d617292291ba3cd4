import { Module } from '@nestjs/common';
import { IdentityModule } from '@regulink/identity';
import { NodeCardController } from './node-card/node-card.controller';

/** Node-to-node trust: this node's published card now; peers, envelopes and transport build on it. */
@Module({
  imports: [IdentityModule],
  controllers: [NodeCardController],
})
export class FederationModule {}
