import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { NodeIdentityService } from '@regulink/identity';
import { sha256Base64Url, signEnvelope, type EnvelopeClaims } from '@regulink/protocol';
import { Clock } from '../clock';
import { ExchangeRefusedException, FederationErrorCode, FederationException } from '../federation.exception';
import { MessageRegistry } from '../messages/message-registry';
import { ExchangePolicy } from '../receiving/exchange-policy';
import { PeersService } from '../peers/peers.service';
import type { PeerEntity } from '../peers/peer.entity';
import type { QuotaCharge } from '../receiving/exchange-policy';

export interface OutgoingMessage {
  readonly to: string;
  readonly type: string;
  readonly body: Record<string, unknown>;
  readonly agreement?: string | null;
  /** How long the envelope stays valid. */
  readonly ttlSeconds: number;
}

export interface SignedOutgoing {
  readonly claims: EnvelopeClaims;
  readonly envelope: string;
  readonly digest: string;
  readonly peer: PeerEntity;
  /** Counts the message against its agreement's quota; run where it is queued or sent. */
  readonly charge?: QuotaCharge;
}

/**
 * Builds and signs outgoing envelopes, applying the sender's own checks first: the peer exists,
 * the exchange is allowed, the body fits its schema. Nothing that fails them is ever signed.
 */
@Injectable()
export class EnvelopeFactory {
  constructor(
    private readonly identity: NodeIdentityService,
    private readonly peers: PeersService,
    private readonly registry: MessageRegistry,
    private readonly policy: ExchangePolicy,
    private readonly clock: Clock,
  ) {}

  async build(message: OutgoingMessage): Promise<SignedOutgoing> {
    const peer = await this.peers.require(message.to);
    const definition = this.registry.get(message.type);
    if (!definition)
      throw new FederationException(
        FederationErrorCode.UnknownMessageType,
        `no message type ${message.type}`,
      );
    const { problems } = this.registry.validateBody(definition, message.body);
    if (problems.length > 0)
      throw new FederationException(FederationErrorCode.MessageBodyInvalid, problems.join('; '));
    const iat = this.clock.nowSeconds();
    const draft: EnvelopeClaims = {
      v: 1,
      id: uuidv7(),
      type: message.type,
      from: this.identity.region,
      to: message.to,
      agreement: message.agreement ?? null,
      iat,
      exp: iat + message.ttlSeconds,
      body: message.body,
    };
    const decision = await this.policy.outgoing(draft, definition, peer);
    if (!decision.allowed) throw new ExchangeRefusedException(decision.code, decision.reason);
    // The agreement chosen, and the body as its field policy lets it cross, are what gets signed.
    const claims: EnvelopeClaims = { ...draft, agreement: decision.agreement, body: decision.body };
    const envelope = await signEnvelope(claims, this.identity.signer());
    return { claims, envelope, digest: sha256Base64Url(envelope), peer, charge: decision.charge };
  }
}
