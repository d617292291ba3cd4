import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EnvelopeErrorCode, type EnvelopeClaims } from '@regulink/protocol';
import type { MessageDefinition } from '../messages/message-registry';
import type { PeerEntity } from '../peers/peer.entity';

export type Refusal = { readonly allowed: false; readonly code: EnvelopeErrorCode; readonly reason: string };

/**
 * Counts an exchange against its agreement's quota, in the transaction that records it (the
 * sender's outbox write, the receiver's inbox write), so that only what is actually queued or
 * received is counted; without a transaction (a query being sent), on its own.
 */
export type QuotaCharge = (manager?: EntityManager) => Promise<PolicyDecision>;

export type PolicyDecision = { readonly allowed: true; readonly charge?: QuotaCharge } | Refusal;

/** What the sender may send: the agreement it goes under and the body as it may cross. */
export type OutgoingDecision =
  | {
      readonly allowed: true;
      readonly agreement: string | null;
      readonly body: Record<string, unknown>;
      readonly charge?: QuotaCharge;
    }
  | Refusal;

/** Decides on exchanges of business data (types with a scope); the agreements module provides it. */
export interface ExchangeGate {
  /** Sender, before signing: chooses the agreement, applies its field policy, checks the quota and says how to count it. */
  outgoing(
    claims: EnvelopeClaims,
    definition: MessageDefinition,
    peer: PeerEntity,
  ): Promise<OutgoingDecision>;
  /** Receiver, before the body schema: agreement, scope, direction, field policy; says how to count the quota. */
  incoming(claims: EnvelopeClaims, definition: MessageDefinition, peer: PeerEntity): Promise<PolicyDecision>;
  /** Outbox, before each delivery attempt: whether the agreement still allows it (no quota counted). */
  deliverable(claims: EnvelopeClaims, definition: MessageDefinition): Promise<PolicyDecision>;
}

/**
 * Whether an exchange with a peer may happen, checked by the sender before anything is signed,
 * by the outbox before each delivery, and by the receiver before anything is applied. A peer must
 * be on the node's allow list; business data (a type with a scope) also needs the gate's consent,
 * and with no gate installed it is refused: nothing crosses without an agreement.
 */
@Injectable()
export class ExchangePolicy {
  private gate: ExchangeGate | undefined;

  useGate(gate: ExchangeGate): void {
    this.gate = gate;
  }

  async outgoing(
    claims: EnvelopeClaims,
    definition: MessageDefinition,
    peer: PeerEntity,
  ): Promise<OutgoingDecision> {
    const listed = this.listed(peer);
    if (!listed.allowed) return { allowed: false, code: listed.code, reason: listed.reason };
    if (definition.scope === undefined)
      return { allowed: true, agreement: claims.agreement, body: claims.body };
    return this.gate ? this.gate.outgoing(claims, definition, peer) : this.noGate(definition);
  }

  /** After the receiver has checked the allow list ({@link listed}) and knows the type. */
  async incoming(
    claims: EnvelopeClaims,
    definition: MessageDefinition,
    peer: PeerEntity,
  ): Promise<PolicyDecision> {
    if (definition.scope === undefined) return { allowed: true };
    return this.gate ? this.gate.incoming(claims, definition, peer) : this.noGate(definition);
  }

  async deliverable(
    claims: EnvelopeClaims,
    definition: MessageDefinition | undefined,
  ): Promise<PolicyDecision> {
    if (definition?.scope === undefined || !this.gate) return { allowed: true };
    return this.gate.deliverable(claims, definition);
  }

  /** The node-level allow list, checked before anything else. */
  listed(peer: PeerEntity): PolicyDecision {
    return peer.allowed
      ? { allowed: true }
      : {
          allowed: false,
          code: EnvelopeErrorCode.NotAllowed,
          reason: `exchanges with ${peer.region} are not allowed on this node`,
        };
  }

  private noGate(definition: MessageDefinition): Refusal {
    return {
      allowed: false,
      code: EnvelopeErrorCode.NoAgreement,
      reason: `${definition.type} needs a cooperation agreement and this node has none`,
    };
  }
}
