export { FederationModule } from './federation.module';
export { Clock } from './clock';
export { ExchangeRefusedException, FederationException, FederationErrorCode } from './federation.exception';
export { FederationTransport, type WireReply, type WireRequest } from './transport/federation-transport';
export { EnvelopeReceiver } from './receiving/envelope-receiver.service';
export { OutboxService } from './sending/outbox.service';
export type { Delivery } from './sending/outbox.repository';
export { QueryClient, type QueryResult } from './sending/query.client';
export { MessageRegistry, type MessageDefinition, type ReceivedMessage } from './messages/message-registry';
export {
  ExchangePolicy,
  type ExchangeGate,
  type OutgoingDecision,
  type PolicyDecision,
  type QuotaCharge,
  type Refusal,
} from './receiving/exchange-policy';
export { PeersService } from './peers/peers.service';
export { PeerEntity } from './peers/peer.entity';
export { PeerCardEntity } from './peers/peer-card.entity';
export { InboxMessageEntity } from './receiving/inbox-message.entity';
export { OutboxMessageEntity } from './sending/outbox-message.entity';
export { PeerTreeHeadEntity } from './tree-heads/peer-tree-head.entity';
