import { Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@regulink/audit';
import { IdentityModule } from '@regulink/identity';
import { MetricsModule } from '@regulink/metrics';
import { Clock } from './clock';
import { FederationApiController } from './federation-api/federation-api.controller';
import { FederationApiService } from './federation-api/federation-api.service';
import { MessageRegistry } from './messages/message-registry';
import { ECHO, PING } from './messages/ping.message';
import { NodeCardController } from './node-card/node-card.controller';
import { PeerCardEntity } from './peers/peer-card.entity';
import { PeerEntity } from './peers/peer.entity';
import { PeerRepository } from './peers/peer.repository';
import { PeersController } from './peers/peers.controller';
import { PeersService } from './peers/peers.service';
import { EnvelopeReceiver } from './receiving/envelope-receiver.service';
import { ExchangePolicy } from './receiving/exchange-policy';
import { InboxMessageEntity } from './receiving/inbox-message.entity';
import { InboxRepository } from './receiving/inbox.repository';
import { DeliveryWorker } from './sending/delivery.worker';
import { EnvelopeFactory } from './sending/envelope-factory';
import { OutboxMessageEntity } from './sending/outbox-message.entity';
import { OutboxRepository } from './sending/outbox.repository';
import { OutboxService } from './sending/outbox.service';
import { QueryClient } from './sending/query.client';
import { ReplyVerifier } from './sending/reply-verifier';
import { FederationTransport } from './transport/federation-transport';
import { transportProvider } from './transport/transport.provider';
import { PeerTreeHeadEntity } from './tree-heads/peer-tree-head.entity';
import { PeerTreeHeadRepository } from './tree-heads/peer-tree-head.repository';
import { TreeHeadExchange } from './tree-heads/tree-head-exchange.service';

/**
 * Node-to-node trust: the published node card, the peer directory with pinned keys, signed
 * envelopes over a transport, the checks at the receiver, receipts, the outbox, and the exchange
 * of audit tree heads.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      PeerEntity,
      PeerCardEntity,
      InboxMessageEntity,
      OutboxMessageEntity,
      PeerTreeHeadEntity,
    ]),
    IdentityModule,
    AuditModule,
    MetricsModule,
  ],
  controllers: [NodeCardController, PeersController, FederationApiController],
  providers: [
    Clock,
    transportProvider,
    MessageRegistry,
    ExchangePolicy,
    PeerRepository,
    PeersService,
    InboxRepository,
    EnvelopeReceiver,
    OutboxRepository,
    EnvelopeFactory,
    OutboxService,
    ReplyVerifier,
    DeliveryWorker,
    QueryClient,
    PeerTreeHeadRepository,
    TreeHeadExchange,
    FederationApiService,
  ],
  exports: [
    Clock,
    OutboxService,
    QueryClient,
    MessageRegistry,
    PeersService,
    EnvelopeReceiver,
    FederationTransport,
    ExchangePolicy,
  ],
})
export class FederationModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly registry: MessageRegistry,
    private readonly transport: FederationTransport,
  ) {}

  onModuleInit(): void {
    this.registry.register(PING);
    this.registry.register(ECHO);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
